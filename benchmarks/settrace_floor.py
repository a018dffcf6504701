"""What any settrace tracer costs: a do-nothing C trace function next to covcore's ctrace.

CPython runs traced code more slowly whatever the trace function does: it
calls it for every call, line and return, and (before 3.12) checks for
tracing at every instruction.  This measures that floor with the cheapest
possible tracer, ``benchmarks/floor/noop.c`` (a C trace function that
returns at once, compiled here for the benchmark interpreter), next to
covcore's ctrace core in line mode, on the pyperformance workloads of the
harness:

* ``noop``: the do-nothing trace function;
* ``ctrace``: covcore's settrace core, line mode, measuring the workload.

Each runs in a fresh process of the benchmark venv (``make bench`` builds
it), interleaved with plain runs, ``--reps`` times; the time is the CPU time
of the workload itself (``time.process_time`` around it: start-up is left
out, it's the steady cost that is compared), and the ratio is to the plain
run of the same repetition, median over repetitions.  Results go to stdout
and ``benchmarks/results/X.Y/settrace_floor.md``.

    python -m benchmarks.settrace_floor [--python 3.11] [--reps 3] [--workloads richards,nbody]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks import environment, workloads

HERE = Path(__file__).resolve().parent
CACHE = HERE / "cache"
RESULTS = HERE / "results"
MODES = ("plain", "noop", "ctrace")

RUNNER = r'''
import json, os, runpy, sys, time
mode, floor_dir, data_file, report = sys.argv[1:5]
target = sys.argv[5:]
if mode == "noop":
    sys.path.insert(0, floor_dir)
    import covbench_noop
    start, stop = covbench_noop.start, covbench_noop.stop
elif mode == "ctrace":
    import covcore
    cov = covcore.Coverage(core="ctrace", data_file=data_file, source=[os.getcwd()], config_file=False)
    start, stop = cov.start, cov.stop
else:
    start = stop = lambda: None
sys.argv = target
sys.path[0] = os.getcwd()
t0 = time.process_time()
start()
runpy.run_path(target[0], run_name="__main__")
stop()
t1 = time.process_time()
with open(report, "w") as f:
    json.dump({"cpu": t1 - t0}, f)
'''


def build_noop(python: str, dest: Path) -> None:
    """Compile floor/noop.c into `dest` for `python`."""
    info = json.loads(subprocess.run(
        [python, "-c", "import json, sysconfig; print(json.dumps({'inc': sysconfig.get_paths()['include'], "
         "'suffix': sysconfig.get_config_var('EXT_SUFFIX'), 'cc': sysconfig.get_config_var('CC') or 'cc'}))"],
        check=True, capture_output=True, text=True,
    ).stdout)
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / f"covbench_noop{info['suffix']}"
    cc = info["cc"].split()[0]
    subprocess.run([cc, "-O2", "-shared", "-fPIC", f"-I{info['inc']}", str(HERE / "floor" / "noop.c"),
                    "-o", str(out)], check=True)


def run_one(python: str, mode: str, prepared: workloads.Prepared, floor_dir: Path, tmp: Path) -> float:
    report = tmp / "report.json"
    env = dict(os.environ, **prepared.env)
    env.pop("COVCORE_CORE", None)
    subprocess.run([python, "-c", RUNNER, mode, str(floor_dir), str(tmp / "data"), str(report),
                    *prepared.target], cwd=prepared.directory, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return float(json.loads(report.read_text())["cpu"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.settrace_floor", description=__doc__.split("\n")[0])
    p.add_argument("--python", default="3.11")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--workloads", help="comma-separated (default: the pyperformance ones)")
    args = p.parse_args(argv)
    base = environment.find_python(args.python)
    version = environment.python_version(base)
    lock = environment.lock_venv(version)  # noqa: F841 (held until exit)
    python, _ = environment.ensure_venv(base, version, CACHE / version)
    floor_dir = CACHE / version / "floor"
    build_noop(python, floor_dir)
    names = args.workloads.split(",") if args.workloads else list(workloads.PYPERF)
    chosen = workloads.by_name(names)
    ratios: dict[str, dict[str, float]] = {}
    tmp = CACHE / version / "floor" / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    for w in chosen:
        prepared = workloads.prepare(w, python, CACHE / version)
        per_mode: dict[str, list[float]] = {m: [] for m in MODES}
        plain_times = []
        for rep in range(args.reps):
            order = MODES[rep % len(MODES):] + MODES[:rep % len(MODES)]
            times = {m: run_one(python, m, prepared, floor_dir, tmp) for m in order}
            plain_times.append(times["plain"])
            for m in MODES:
                per_mode[m].append(times[m] / times["plain"])
        ratios[w.name] = {m: statistics.median(v) for m, v in per_mode.items()}
        ratios[w.name]["plain_s"] = statistics.median(plain_times)
        print(f"{w.name}: noop {ratios[w.name]['noop']:.2f}x, ctrace {ratios[w.name]['ctrace']:.2f}x",
              file=sys.stderr)
    lines = [
        f"### Python {version}: the settrace floor (a do-nothing C trace function) next to covcore's ctrace",
        "",
        f"CPU time of the workload itself (start-up excluded), ratio to plain, median of {args.reps} "
        "interleaved repetitions. `python -m benchmarks.settrace_floor`.",
        "",
        "| workload | plain s | do-nothing tracer | covcore ctrace (line) | ctrace / floor |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in ratios.items():
        lines.append(f"| {name} | {r['plain_s']:.2f} | {r['noop']:.2f}x | {r['ctrace']:.2f}x | "
                     f"{r['ctrace'] / r['noop']:.2f} |")
    geo = {m: statistics.geometric_mean([r[m] for r in ratios.values()]) for m in ("noop", "ctrace")}
    lines.append(f"| **geomean** | | **{geo['noop']:.2f}x** | **{geo['ctrace']:.2f}x** | "
                 f"**{geo['ctrace'] / geo['noop']:.2f}** |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = RESULTS / version
    out.mkdir(parents=True, exist_ok=True)
    (out / "settrace_floor.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

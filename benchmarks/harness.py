"""The benchmark harness's command line and its main loop.

``python -m benchmarks [--python 3.12] [--tools ...] [--branch both] [--quick]``

For each repetition, every workload is run plain and under every tool and
mode, the order of the tools rotating from one repetition to the next, so
that a drift in the machine's speed hits every tool alike.  The overhead of
a tool on a workload is the median, over the repetitions, of its CPU time
divided by the plain run's CPU time in the same repetition.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

from benchmarks import environment, report, workloads
from benchmarks.measure import run_once

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CACHE = HERE / "cache"


def _csv(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", help="the Python to measure: 3.12, or a path (default: this one)")
    p.add_argument("--tools", type=_csv, default=list(environment.DEFAULT_TOOLS),
                   help="comma-separated, from: " + ", ".join(environment.ALL_TOOLS)
                   + " (default: all but the -bare ones)")
    p.add_argument("--branch", choices=("no", "yes", "both"), default="both",
                   help="line mode, branch mode or both (default both)")
    p.add_argument("--workloads", type=_csv, help="comma-separated workload names (default all)")
    p.add_argument("--reps", type=int, help="repetitions (default 5; --quick 3)")
    p.add_argument("--quick", action="store_true", help="a few workloads, smaller, 3 repetitions (~2 minutes)")
    p.add_argument("--smoke", action="store_true", help="one tiny workload, one repetition (for the test suite)")
    p.add_argument("--callgrind", action="store_true",
                   help="count instructions under valgrind's callgrind instead of timing")
    p.add_argument("--full-size", action="store_true",
                   help="with --callgrind: the timed runs' sizes, not the quick ones (about 50 minutes per tool and mode)")
    p.add_argument("--micro", dest="micro", action="store_true", default=None,
                   help="run the microbenchmarks (default: on for a full run)")
    p.add_argument("--no-micro", dest="micro", action="store_false")
    p.add_argument("--micro-only", action="store_true",
                   help="run only the microbenchmarks and put them into the results folder's results.json")
    p.add_argument("--no-venv", action="store_true",
                   help="measure with the interpreter's own packages instead of a benchmark venv")
    p.add_argument("--covcore-ref", default="HEAD",
                   help="the covcore commit to install in the venv (default HEAD; 'worktree' for the tree as is)")
    p.add_argument("--out", help="results folder (default benchmarks/results/X.Y for a full run)")
    p.add_argument("--list", action="store_true", help="list the workloads and tools, then stop")
    p.add_argument("--readme", action="store_true",
                   help="rewrite README.md's Performance section from benchmarks/results/, then stop")
    args = p.parse_args(argv)
    unknown = [t for t in args.tools if t not in environment.ALL_TOOLS]
    if unknown:
        p.error(f"unknown tool(s) {', '.join(unknown)}; choose from {', '.join(environment.ALL_TOOLS)}")
    if "plain" not in args.tools:
        args.tools.insert(0, "plain")
    return args


def say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _configs(tools: list[str], modes: list[bool]) -> list[tuple[str, bool]]:
    return [(t, b) for t in tools if t != "plain" for b in modes]


def config_name(tool: str, branch: bool) -> str:
    return f"{tool}/{'branch' if branch else 'line'}"


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if args.full_size and not args.callgrind:
        print("benchmarks: --full-size is for --callgrind (timed runs are full-size already)", file=sys.stderr)
        return 1
    if args.readme:
        found = {d.name: json.loads((d / "results.json").read_text())
                 for d in sorted(RESULTS.glob("*")) if (d / "results.json").exists()}
        # Later runs of a few tools, in a folder of their own (e.g. 3.12/sysmon).
        later = {f"{d.parent.name}/{d.name}": json.loads((d / "results.json").read_text())
                 for d in sorted(RESULTS.glob("*/*")) if (d / "results.json").exists()}
        readme = HERE.parent / "README.md"
        readme.write_text(report.update_readme(readme.read_text(), report.readme_section(found, later)))
        say(f"updated {readme} from {', '.join(found) or 'no results'}")
        return 0
    if args.list:
        for w in workloads.WORKLOADS:
            print(f"{w.name:16} {w.kind:8} {w.description}")
        print("tools:", ", ".join(environment.ALL_TOOLS))
        return 0
    try:
        base_python = environment.find_python(args.python)
        version = environment.python_version(base_python)
        if args.no_venv:
            python, covcore_from = base_python, "the interpreter's own install"
        else:
            lock = environment.lock_venv(version)  # noqa: F841 (held until exit)
            python, covcore_from = environment.ensure_venv(base_python, version, CACHE / version,
                                                           args.covcore_ref, say)
        facts, tools = environment.probe(python)
    except (environment.SetupError, subprocess.CalledProcessError) as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 1
    try:
        names = args.workloads or (list(workloads.SMOKE) if args.smoke else
                                   list(workloads.QUICK) if args.quick else None)
        chosen = workloads.by_name(names)
    except ValueError as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return 1
    quick = args.quick or args.smoke or (args.callgrind and not args.full_size)
    reps = args.reps or (1 if args.smoke else 3 if args.quick else 5)
    modes = {"no": [False], "yes": [True], "both": [False, True]}[args.branch]
    full = not (args.quick or args.smoke or args.workloads or args.no_venv)
    out = Path(args.out) if args.out else (RESULTS / version if full else CACHE / "results" / version)
    if args.callgrind and not args.out:
        out = RESULTS / version
    out.mkdir(parents=True, exist_ok=True)
    cache = CACHE / version
    size = "smoke" if args.smoke else "quick" if quick else "full"
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": environment.machine(),
        "python": facts["python"],
        "implementation": facts["implementation"],
        "versions": {name: t.version for name, t in tools.items() if name != "plain"},
        "other_versions": facts.get("other_versions", {}),
        "covcore_source": covcore_from,
        "reps": reps,
        "quick": quick,
        "measure": "CPU time (user+system) of the whole process; ratio to the plain run "
                   "of the same repetition, median over repetitions",
        "command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
    }
    status = {}
    for name in args.tools:
        t = tools[name]
        for branch in modes:
            status[config_name(name, branch)] = {
                "tool": name, "branch": branch, "version": t.version,
                "ok": t.supports(branch), "reason": t.why_not(branch)}
    for cfg, st in status.items():
        if not st["ok"] and not cfg.startswith("plain"):
            say(f"{cfg}: MISSING ({st['reason']})")

    say(f"Python {facts['python']} ({python}); {len(chosen)} workloads, {reps} repetitions")
    prepared = []
    for w in chosen:
        try:
            prepared.append(workloads.prepare(w, python, cache, size))
        except (subprocess.CalledProcessError, RuntimeError, OSError) as exc:
            print(f"benchmarks: could not prepare workload {w.name}: {exc}", file=sys.stderr)
            return 1
    if any(p.workload.kind == "project" for p in prepared):
        # The test suites need pytest in the interpreter that runs them.
        check = subprocess.run([python, "-c", "import pytest"], capture_output=True)
        if check.returncode != 0:
            print(f"benchmarks: pytest is not installed in {python}", file=sys.stderr)
            return 1

    if args.micro_only:
        from benchmarks import micro_run
        out = Path(args.out) if args.out else RESULTS / version
        target = out / "results.json"
        if not target.exists():
            print(f"benchmarks: --micro-only adds to {target}, which does not exist", file=sys.stderr)
            return 1
        results = json.loads(target.read_text())
        results["micro"] = micro_run.run(python, [t for t in args.tools if tools[t].ok], say)
        results["meta"]["micro_date"] = meta["date"]
        target.write_text(json.dumps(results, indent=1))
        text = report.markdown(results)
        (out / "results.md").write_text(text)
        print(report.micro_markdown(results["micro"]))
        return 0

    if args.callgrind:
        from benchmarks import callgrind
        cg = callgrind.run(python, prepared, args.tools, modes, status, say)
        results = {"meta": meta, "status": status, "callgrind": cg}
        (out / "callgrind.json").write_text(json.dumps(results, indent=1))
        text = report.callgrind_markdown(results)
        (out / "callgrind.md").write_text(text)
        print(text)
        say(f"wrote {out / 'callgrind.json'}")
        return 0

    runnable = [(t, b) for (t, b) in _configs(args.tools, modes) if status[config_name(t, b)]["ok"]]
    data: dict[str, Any] = {}
    failed: dict[tuple[str, str], str] = {}
    for p in prepared:   # warm-up: byte-code caches, the first run's page faults
        run, err = run_once(python, "plain", False, p)
        if run.error:
            print(f"benchmarks: the plain run of {p.workload.name} failed: {run.error}\n{err[-2000:]}",
                  file=sys.stderr)
            return 1
        data[p.workload.name] = {"description": p.workload.description, "plain": [], "runs": {}}
    started = time.monotonic()
    for rep in range(reps):
        for p in prepared:
            name = p.workload.name
            entry = data[name]
            order = runnable[rep % len(runnable):] + runnable[:rep % len(runnable)] if runnable else []
            # plain in the middle of the tools, so that neither end of the rotation is favoured
            half = len(order) // 2
            sequence = order[:half] + [("plain", False)] + order[half:]
            for tool, branch in sequence:
                cfg = config_name(tool, branch)
                if (name, cfg) in failed:
                    continue
                run, err = run_once(python, tool, branch, p)
                expected = tool.partition("-")[2] if tool.startswith(("covcore", "coverage")) else None
                if expected and expected.endswith("-bare"):
                    expected = expected[:-len("-bare")]
                if run.error is None and expected and run.core != expected:
                    # Unknown (None) is an error too: the launcher failed to see the save.
                    run.error = f"{cfg} ran the {run.core or 'unknown'} core, not {expected}"
                if run.error:
                    failed[(name, cfg)] = run.error
                    say(f"{name} {cfg}: FAILED {run.error}")
                    entry["runs"].setdefault(cfg, {})["error"] = run.error
                    continue
                if tool == "plain":
                    entry["plain"].append(dict(run.__dict__, rep=rep))
                else:
                    entry["runs"].setdefault(cfg, {"samples": []})["samples"].append(
                        dict(run.__dict__, rep=rep))
            say(f"rep {rep + 1}/{reps} {name} done ({time.monotonic() - started:.0f} s)")
        # What is measured so far is kept: a run cut short still leaves results.
        partial = report.summarize(dict(meta, reps=rep + 1), status, json.loads(json.dumps(data)), None)
        (out / "results.json").write_text(json.dumps(partial, indent=1))

    micro = None
    if args.micro or (args.micro is None and full):
        from benchmarks import micro_run
        micro = micro_run.run(python, [t for t in args.tools if tools[t].ok], say)
    results = report.summarize(meta, status, data, micro)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    text = report.markdown(results)
    (out / "results.md").write_text(text)
    print(text)
    chart = out / "chart.png"
    made = subprocess.run([python, str(HERE / "chart.py"), str(out / "results.json"), str(chart)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        say(f"no chart (matplotlib missing in {python}?): {made.stderr.strip().splitlines()[-1:]}")
    else:
        say(f"wrote {chart}")
    say(f"wrote {out / 'results.json'} and {out / 'results.md'}")
    return 0

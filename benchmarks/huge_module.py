"""A generated module of very many lines: run and report, covcore next to coverage.py.

The module is one code object (module-level statements, a two-way branch
every five lines), the case where a tracer's cost per code object shows
most; or (``--shape functions``) classes of small methods, each called
once, where no code object is long.  For each size, each tool runs it in a fresh process:

- ``plain``: ``python huge.py``;
- ``covcore-<core>`` and ``coverage``: ``run`` (line, then ``--branch``),
  then ``report`` on the data the run wrote.

CPU time and the process's own peak RSS (``wait4``) are printed, one row
per measurement, with the ratio of each run to plain Python and of each
covcore report to coverage.py's.  Costs should grow linearly with the size:
run two or more sizes (``--lines 100000,200000``) to see it.

    python -m benchmarks.huge_module --lines 1000000
    python -m benchmarks.huge_module --lines 100000,200000,400000 --cores ctrace,sysmon --timeout 600

Run it with an interpreter that has covcore and coverage.py installed (the
test venv: ``make bench-huge VENV=.venv-3.12``).  A measurement that passes
``--timeout`` is killed and shown as such.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import Optional

#: Lines per unit of the generated module, and the unit.
UNIT = 5


def module_text(lines: int, shape: str = "flat") -> str:
    """A module of about `lines` lines, a two-way branch in every five.

    ``flat``: one code object (module-level statements); ``functions``:
    classes of 200 five-line methods, each method called once, so no code
    object runs more than a few hundred lines.
    """
    parts = []
    if shape == "flat":
        for i in range(lines // UNIT):
            parts.append(f"x = {i}\nif x % 3:\n    y = x\nelse:\n    y = -x\n")
        return "".join(parts) + "print(x, y)\n"
    # Classes of 200 five-line methods, each class's methods called after it:
    # no code object, the module's included, runs more than a few hundred lines.
    parts.append("def call_all(c):\n    for name, f in vars(c).items():\n        if name[0] == 'f':\n"
                 "            f(None)\n")
    per_class = 200
    for k in range(max(1, lines // (UNIT * per_class))):
        parts.append(f"class C{k}:\n")
        for i in range(per_class):
            parts.append(f"    def f{i}(self, x={i}):\n        if x % 3:\n            return x\n        return -x\n\n")
        parts.append(f"call_all(C{k})\n")
    return "".join(parts)


def measure(args: list[str], cwd: str, timeout: float) -> tuple[Optional[float], int, str]:
    """Run `args`; returns (CPU seconds or None if it failed, peak RSS in KiB, a note).

    CPU time (user + system) of the process, not wall time: on a shared
    machine the wall time says more about the neighbours than about us.
    The note holds the wall time, or why the run failed.
    """
    start = time.perf_counter()
    with open(os.path.join(cwd, "stderr.txt"), "w+") as err:
        proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.kill(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                return None, usage.ru_maxrss, "killed at the timeout"
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        err.seek(0)
        tail = (err.read().strip().splitlines() or [""])[-1]
    if proc.returncode != 0:
        return None, usage.ru_maxrss, f"exit {proc.returncode}: {tail}"
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss, f"wall {wall:.2f} s"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", default="1000000", help="sizes, comma-separated (default 1000000)")
    default_cores = "ctrace,pytrace" + (",sysmon" if sys.version_info >= (3, 12) else "")
    parser.add_argument("--cores", default=default_cores, help=f"covcore's cores (default {default_cores})")
    parser.add_argument("--modes", default="line,branch", help="line, branch or both (default)")
    parser.add_argument("--no-coverage", action="store_true", help="leave coverage.py out")
    parser.add_argument("--shape", choices=["flat", "functions"], default="flat",
                        help="flat: one long code object (default); functions: a small function per 5 lines")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per measurement (default 1800)")
    parser.add_argument("--json", help="also write the rows to this file")
    opts = parser.parse_args(argv)

    py = sys.executable
    tools = [(f"covcore-{core}", [py, "-m", "covcore"], ["--core", core]) for core in opts.cores.split(",") if core]
    if not opts.no_coverage:
        tools.append(("coverage", [py, "-m", "coverage"], []))
    modes = [m for m in opts.modes.split(",") if m]
    rows: list[dict[str, object]] = []

    def row(size: int, tool: str, what: str, result: tuple[Optional[float], int, str], base: Optional[float]) -> None:
        cpu, rss, note = result
        ratio = f"{cpu / base:6.2f}x" if cpu is not None and base else "       "
        shown = f"{cpu:9.2f} s" if cpu is not None else "        - "
        print(f"{size:>9} {tool:<16} {what:<14} {shown} {ratio} {rss / 1024:9.1f} MiB  {note}", flush=True)
        rows.append({"lines": size, "tool": tool, "what": what, "cpu_seconds": cpu, "peak_mib": rss / 1024,
                     "note": note})

    print(f"Python {sys.version.split()[0]}, {opts.shape} module; CPU time, ratio (run: to plain; report: to coverage.py's), peak RSS")
    for size in [int(n) for n in opts.lines.split(",")]:
        with tempfile.TemporaryDirectory(prefix="huge-") as work:
            with open(os.path.join(work, "huge.py"), "w") as f:
                f.write(module_text(size, opts.shape))
            plain = measure([py, "huge.py"], work, opts.timeout)
            row(size, "plain", "run", plain, plain[0])
            reports: dict[str, tuple[Optional[float], int, str]] = {}
            for mode in modes:
                for tool, command, extra in tools:
                    data = os.path.join(work, f".data-{tool}-{mode}")
                    branch = ["--branch"] if mode == "branch" else []
                    data_opt = ["--data-file", data]
                    run = measure([*command, "run", *data_opt, *extra, *branch, "huge.py"], work, opts.timeout)
                    row(size, tool, f"run {mode}", run, plain[0])
                    if run[0] is None:
                        continue
                    report = measure([*command, "report", *data_opt], work, opts.timeout)
                    reports[f"{tool}-{mode}"] = report
                    anchor = reports.get(f"coverage-{mode}", (None, 0, ""))[0]
                    row(size, tool, f"report {mode}", report, anchor if tool != "coverage" else None)
            # Reports ran before coverage.py's: their ratios, now that it has.
            for mode in modes:
                anchor_time, anchor_rss, _ = reports.get(f"coverage-{mode}", (None, 0, ""))
                for tool, _, _ in tools:
                    mine = reports.get(f"{tool}-{mode}")
                    if tool == "coverage" or mine is None or mine[0] is None or not anchor_time:
                        continue
                    print(f"{size:>9} {tool:<16} report {mode:<7} {mine[0] / anchor_time:6.2f}x coverage.py's time, "
                          f"{mine[1] / anchor_rss:5.2f}x its peak memory", flush=True)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

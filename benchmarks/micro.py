"""Microbenchmarks of the hot paths, run inside a benchmark venv by micro_run.py.

    python micro.py core covcore-ctrace     # per-line, per-arc, decision-cache-hit cost
    python micro.py save                    # write 100,000 lines / arcs to a data file

Prints one JSON object.  Costs are differences: the same loop timed with the
core running and without it, divided by the number of events.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import time
from typing import Any, Callable

BODY = 10                 # statements in the loop body
LINE_ITERATIONS = 200_000
CALLS = 300_000
REPEAT = 7

HOT = "def lines(n):\n    for i in range(n):\n" + "".join(f"        a{k} = i\n" for k in range(BODY)) + \
      "    return n\n"
# Calls from an unmeasured file to an unmeasured function: every call is a
# call event whose file decision comes from the cache, and nothing else.
OTHER = "def target():\n    return 0\n\ndef calls(n):\n    f = target\n    for _ in range(n):\n        f()\n"


def _median(values: list[float]) -> float:
    s = sorted(values)
    return s[len(s) // 2]


def _make_modules(tmp: str) -> tuple[str, Any, Any]:
    measured = os.path.join(tmp, "measured")
    other = os.path.join(tmp, "unmeasured")
    os.makedirs(measured)
    os.makedirs(other)
    with open(os.path.join(measured, "covbench_hot.py"), "w") as f:
        f.write(HOT)
    with open(os.path.join(other, "covbench_other.py"), "w") as f:
        f.write(OTHER)
    sys.path[:0] = [measured, other]
    return measured, importlib.import_module("covbench_hot"), importlib.import_module("covbench_other")


def _time(func: Callable[[int], Any], n: int) -> float:
    t0 = time.perf_counter()
    func(n)
    return time.perf_counter() - t0


def _cost(start: Callable[[], None], stop: Callable[[], None], func: Callable[[int], Any], n: int) -> float:
    """Seconds per iteration added by the tracer, median of REPEAT paired timings."""
    func(n // 10)
    deltas = []
    for _ in range(REPEAT):
        plain = _time(func, n)
        start()
        covered = _time(func, n)
        stop()
        deltas.append(covered - plain)
    return _median(deltas) / n


def _coverage_object(tool: str, branch: bool, source: str, data_file: str) -> Any:
    family, _, core = tool.partition("-")
    if family == "covcore" and core.endswith("-bare"):
        os.environ["COVCORE_TROUBLE_HOOKS"] = "0"
        core = core[:-len("-bare")]
    if family == "covcore":
        import covcore
        return covcore.Coverage(core=core, branch=branch, source=[source], data_file=data_file,
                                config_file=False)
    if family == "coverage":
        os.environ["COVERAGE_CORE"] = core
        import coverage
        return coverage.Coverage(branch=branch, source=[source], data_file=data_file, config_file=False)
    raise SystemExit(f"micro.py: no microbenchmark for {tool}")


def core_costs(tool: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        measured, hot, other = _make_modules(tmp)
        out: dict[str, Any] = {}
        for branch in (False, True):
            cov = _coverage_object(tool, branch, measured, os.path.join(tmp, f"data{branch}"))
            events = LINE_ITERATIONS * (BODY + 1)
            per_iter = _cost(cov.start, cov.stop, hot.lines, LINE_ITERATIONS)
            out["arc_ns" if branch else "line_ns"] = per_iter * LINE_ITERATIONS / events * 1e9
            if not branch:
                out["cache_hit_ns"] = _cost(cov.start, cov.stop, other.calls, CALLS) * 1e9
        return out


def save_costs() -> dict[str, Any]:
    out: dict[str, Any] = {}
    files = [f"/covbench/pkg/mod{i:03d}.py" for i in range(100)]
    lines = {f: list(range(1, 1001)) for f in files}
    arcs = {f: [(i, i + 1) for i in range(1, 1001)] for f in files}

    def covcore_write(tmp: str, kind: str) -> None:
        from covcore.data import CoverageData
        data = CoverageData(os.path.join(tmp, "d"))
        (data.add_lines if kind == "lines" else data.add_arcs)(lines if kind == "lines" else arcs)
        data.write()

    def coverage_write(tmp: str, kind: str) -> None:
        from coverage import CoverageData
        data = CoverageData(os.path.join(tmp, "d"))
        (data.add_lines if kind == "lines" else data.add_arcs)(lines if kind == "lines" else arcs)
        data.write()

    for name, writer in (("covcore", covcore_write), ("coverage.py", coverage_write)):
        try:
            r = {}
            for kind in ("lines", "arcs"):
                times = []
                for _ in range(REPEAT):
                    with tempfile.TemporaryDirectory() as tmp:
                        t0 = time.perf_counter()
                        writer(tmp, kind)
                        times.append(time.perf_counter() - t0)
                r[f"{kind}_ms"] = _median(times) * 1000
            out[name] = r
        except ImportError:
            pass
    return out


def main() -> None:
    if sys.argv[1] == "core":
        result = core_costs(sys.argv[2])
    else:
        result = save_costs()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Reference and memory leaks of the tracer cores: ``make refleaks`` (python3.14-dbg).

Each core (ctrace, sysmon, pytrace; line and branch mode) is started and
stopped many times, a new ``Coverage`` object each time, over a program that
creates and drops threads, generators (finished, closed, thrown into, left
suspended while measuring and at ``stop()``), code objects made by ``exec``
and exceptions.  After a warm-up, the figures before and after the loop are
printed: ``sys.gettotalrefcount()`` (debug builds of Python only), the bytes
tracemalloc sees (every allocation of the C extension goes through
``PyMem_*``), ``sys.getallocatedblocks()`` and the resident set size.

    python -m benchmarks.refleaks [--starts 1000] [--cores ctrace,sysmon] [--modes line,branch] [--json]

tests/test_refleaks.py runs it on a short loop and checks the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any, Callable, Optional

PROGRAM = '''\
import threading

MADE = """\\
def made(x):
    if x > 1:
        return [y * 2 for y in range(x)]
    raise ValueError(x)
"""


def numbers(n):
    for i in range(n):
        yield i


def fail(i):
    if i % 2:
        raise ValueError(i)
    raise KeyError(i)


def catch(i):
    try:
        fail(i)
    except (ValueError, KeyError) as exc:
        return exc


def in_thread(i, out):
    out.append(sum(numbers(i)))
    catch(i)


def work(i, made_file):
    out = []
    threads = [threading.Thread(target=in_thread, args=(i + k, out)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    closed = numbers(10)
    next(closed)
    closed.close()
    thrown = numbers(10)
    next(thrown)
    try:
        thrown.throw(KeyError("k"))
    except KeyError:
        pass
    dropped = numbers(10)
    next(dropped)
    del dropped
    namespace = {}
    exec(compile(MADE, made_file, "exec"), namespace)
    namespace["made"](3)
    try:
        namespace["made"](0)
    except ValueError:
        pass
    catch(i)
    # Left suspended: dropped after stop().
    suspended = numbers(5)
    next(suspended)
    return suspended
'''


def available_cores() -> list[str]:
    """The cores this Python and this build of covcore have."""
    from covcore import cores

    return list(cores.available_cores())


def rss_bytes() -> int:
    """The resident set size of this process (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def snapshot() -> dict[str, int]:
    """The figures, after a full collection."""
    gc.collect()
    figures = {
        "traced_bytes": tracemalloc.get_traced_memory()[0],
        "blocks": sys.getallocatedblocks(),
        "rss": rss_bytes(),
    }
    if hasattr(sys, "gettotalrefcount"):
        figures["refs"] = sys.gettotalrefcount()
    return figures


class Loop:
    """Starts and stops one core over the program, in a directory of its own."""

    def __init__(self, core: str, branch: bool, directory: Path) -> None:
        self.core, self.branch, self.directory = core, branch, directory
        (directory / "leakprog.py").write_text(PROGRAM)
        self.made_file = str(directory / "made.py")
        namespace: dict[str, Any] = {}
        exec(compile(PROGRAM, str(directory / "leakprog.py"), "exec"), namespace)
        Path(self.made_file).write_text(namespace["MADE"])
        self.work: Callable[[int, str], Any] = namespace["work"]
        self.cycles = 0

    def cycle(self) -> int:
        """One start, the program, one stop: the number of lines or arcs measured."""
        import covcore

        cov = covcore.Coverage(
            core=self.core, branch=self.branch, source=[str(self.directory)],
            data_file=str(self.directory / ".covcore"), config_file=False,
        )
        cov.start()
        try:
            suspended = self.work(self.cycles, self.made_file)
        finally:
            cov.stop()
        del suspended
        data = cov.get_data()
        measured = sum(
            len((data.arcs(name) if self.branch else data.lines(name)) or []) for name in data.measured_files()
        )
        self.cycles += 1
        return measured

    def run(self, starts: int, warmup: int) -> dict[str, Any]:
        """Warm up, then `starts` cycles: the figures before, half-way and after.

        A leak grows in both halves; CPython's one-off growth (a resize of
        its interned-strings dict, a cache filling) in one of them at most.
        """
        first = self.cycle()
        for _ in range(warmup - 1):
            self.cycle()
        before = snapshot()
        for _ in range(starts // 2):
            self.cycle()
        half = snapshot()
        for _ in range(starts - starts // 2):
            self.cycle()
        after = snapshot()
        return {
            "core": self.core, "mode": "branch" if self.branch else "line", "starts": starts,
            "measured": first, "before": before, "half": half, "after": after,
            "delta": {key: after[key] - before[key] for key in before},
            "least_half_delta": {key: min(half[key] - before[key], after[key] - half[key]) for key in before},
        }


def measure(core: str, branch: bool, starts: int, warmup: int) -> dict[str, Any]:
    """The figures of one core in one mode."""
    with tempfile.TemporaryDirectory(prefix="covcore-refleaks-") as tmp:
        loop = Loop(core, branch, Path(os.path.realpath(tmp)))
        return loop.run(starts, warmup)


def _row(result: dict[str, Any]) -> str:
    before, after, delta = result["before"], result["after"], result["delta"]
    cells = [f"{result['core']:8}", f"{result['mode']:6}", f"{result['starts']:6}", f"{result['measured']:5}"]
    for key, scale in (("refs", 1), ("traced_bytes", 1), ("blocks", 1), ("rss", 1024)):
        if key in before:
            cells.append(f"{before[key] // scale:>10} -> {after[key] // scale:>10} ({delta[key] // scale:+d})")
        else:
            cells.append(f"{'-':>27}")
    return " | ".join(cells)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=1000, help="starts and stops after the warm-up (1000)")
    parser.add_argument("--warmup", type=int, default=10, help="starts and stops before the first figures (10)")
    parser.add_argument("--cores", default="", help="comma-separated cores (default: every one available)")
    parser.add_argument("--modes", default="line,branch", help="line, branch or both (default)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    cores = args.cores.split(",") if args.cores else available_cores()
    modes = args.modes.split(",")
    tracemalloc.start()
    results = [measure(core, mode == "branch", args.starts, args.warmup) for core in cores for mode in modes]
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    debug = " (debug build)" if hasattr(sys, "gettotalrefcount") else ""
    print(f"Python {sys.version.split()[0]}{debug}: {args.warmup} warm-up starts, then the figures before -> after")
    print(" | ".join(["core    ", "mode  ", "starts", "lines", f"{'total refs':>27}", f"{'traced bytes':>27}",
                      f"{'allocated blocks':>27}", f"{'RSS KiB':>27}"]))
    for result in results:
        print(_row(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

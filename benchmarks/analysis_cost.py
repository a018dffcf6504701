"""What static analysis costs: covcore's parser next to coverage.py's, per 1,000 lines.

Reporting a file means analyzing its source: reading it, tokenizing it,
compiling it for its statements, walking its syntax tree for exclusions,
docstrings and, with branch data, the possible arcs and exit counts.  This
benchmark times exactly that (``parse_source()`` then ``arcs()`` and
``exit_counts()``) for covcore and for coverage.py on the same files, in the
same process, taking turns, and reports milliseconds per 1,000 source lines.

    python -m benchmarks.analysis_cost                  # the stdlib, 3 rounds
    python -m benchmarks.analysis_cost --sample 4 --rounds 5 --lines-only
    python -m benchmarks.analysis_cost path/to/files_or_dirs ...

Run it with an interpreter that has coverage.py and covcore installed (the
test venv: ``make bench-analysis``).  Each round times every file once with
each tool (the order alternates between rounds); a file's time is its
fastest round, so unrelated load on the machine counts as little as it can.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import sysconfig
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

Analyzer = Callable[[str, str, bool], Any]


def _covcore(text: str, filename: str, branches: bool) -> Any:
    from covcore.parser import PythonParser

    parser = PythonParser(text=text, filename=filename)
    parser.parse_source()
    if branches:
        parser.arcs()
        parser.exit_counts()
    return parser


def _coverage(text: str, filename: str, branches: bool) -> Any:
    from coverage.parser import PythonParser

    parser = PythonParser(text=text, filename=filename)
    parser.parse_source()
    if branches:
        parser.arcs()
        parser.exit_counts()
    return parser


TOOLS: dict[str, Analyzer] = {"covcore": _covcore, "coverage.py": _coverage}


def python_files(paths: Iterable[str], sample: int) -> list[str]:
    """The .py files under `paths` (the stdlib if none), sorted; every `sample`-th."""
    found: list[str] = []
    for path in list(paths) or [sysconfig.get_paths()["stdlib"]]:
        if os.path.isfile(path):
            found.append(path)
            continue
        for directory, subdirs, files in os.walk(path):
            subdirs[:] = sorted(d for d in subdirs if d not in ("site-packages", "__pycache__"))
            found.extend(os.path.join(directory, f) for f in files if f.endswith(".py"))
    return sorted(found)[::sample]


def load_sources(files: list[str]) -> dict[str, str]:
    """The text of each file that both tools can analyze (others are left out)."""
    from covcore.parser import read_source

    sources = {}
    for path in files:
        try:
            text = read_source(path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for analyze in TOOLS.values():
                    analyze(text, path, True)
        except Exception:  # noqa: BLE001 - not Python for one of them: not comparable
            continue
        sources[path] = text
    return sources


def measure(sources: dict[str, str], rounds: int, branches: bool) -> dict[str, float]:
    """Tool -> seconds for all files (each file's fastest round)."""
    best: dict[str, dict[str, float]] = {tool: {} for tool in TOOLS}
    order = list(TOOLS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for round_number in range(rounds):
            for tool in order if round_number % 2 == 0 else reversed(order):
                analyze = TOOLS[tool]
                times = best[tool]
                gc.collect()
                for path, text in sources.items():
                    start = time.perf_counter()
                    analyze(text, path, branches)
                    elapsed = time.perf_counter() - start
                    if elapsed < times.get(path, float("inf")):
                        times[path] = elapsed
    return {tool: sum(times.values()) for tool, times in best.items()}


def main(argv: list[str] | None = None) -> int:
    """Measure and print a small table; 1 if covcore is slower than coverage.py."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="files or directories (default: the stdlib)")
    parser.add_argument("--sample", type=int, default=1, help="use every Nth file only")
    parser.add_argument("--rounds", type=int, default=3, help="times each file is analyzed")
    parser.add_argument("--lines-only", action="store_true", help="no arcs: line analysis only")
    args = parser.parse_args(argv)

    import coverage

    from covcore.version import __version__

    sources = load_sources(python_files(args.paths, args.sample))
    lines = sum(text.count("\n") for text in sources.values())
    branches = not args.lines_only
    totals = measure(sources, args.rounds, branches)
    what = "statements, exclusions, arcs, exit counts" if branches else "statements, exclusions"
    print(f"Python {sys.version.split()[0]}: {len(sources)} files, {lines:,} lines; {what}; "
          f"best of {args.rounds} rounds per file")
    print()
    print("| tool | version | total (s) | ms per 1,000 lines |")
    print("|---|---|--:|--:|")
    versions = {"covcore": __version__, "coverage.py": coverage.__version__}
    for tool, seconds in totals.items():
        print(f"| {tool} | {versions[tool]} | {seconds:.2f} | {1000 * seconds / lines * 1000:.2f} |")
    ratio = totals["covcore"] / totals["coverage.py"]
    print()
    print(f"covcore takes {ratio:.2f}x coverage.py's time.")
    return 0 if ratio <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Compare covcore's static analysis with coverage.py's over the standard library.

For each ``.py`` file of the running Python's standard library (site-packages
left out), both parsers find the statements, the possible arcs and the exit
counts; a file agrees when all three are equal, or when both refuse it as not
Python (lib2to3's Python 2 test data, deliberately bad files).  covcore must
never fail with anything but NotPython.

``python tests/stdlib_branches.py [--sample N] [--jobs N]`` prints the files
that differ and the totals, and exits 1 if covcore raised on a file or agreed
on fewer than 99.5% of them (``make stdlib-branches`` runs it on every
file).  tests/test_stdlib_branches.py runs a sample.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import os
import sys
import sysconfig
import traceback
import warnings
from collections.abc import Iterable
from typing import Optional

#: The share of files that must agree.
REQUIRED_AGREEMENT = 0.995


@dataclasses.dataclass
class FileResult:
    """How the two analyses of one file compare."""

    path: str
    #: "same", "both-not-python", "differ" or "error" (covcore raised).
    outcome: str
    detail: str = ""


def stdlib_files(sample: int = 1) -> list[str]:
    """The standard library's .py files, sorted; every `sample`-th one."""
    root = sysconfig.get_paths()["stdlib"]
    found: list[str] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in ("site-packages", "__pycache__"))
        found.extend(os.path.join(directory, name) for name in files if name.endswith(".py"))
    found.sort()
    return found[::sample]


def compare_file(path: str) -> FileResult:
    """Analyze `path` with both tools and compare."""
    import coverage.exceptions
    import coverage.parser

    from covcore.exceptions import NotPython
    from covcore.parser import PythonParser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs: Optional[coverage.parser.PythonParser]
        try:
            theirs = coverage.parser.PythonParser(filename=path)
            theirs.parse_source()
            their_arcs = theirs.arcs()
            their_counts = dict(theirs.exit_counts())
        except (coverage.exceptions.NotPython, SyntaxError, ValueError):
            theirs = None
        try:
            ours: Optional[PythonParser] = PythonParser(filename=path)
            assert ours is not None
            ours.parse_source()
            our_arcs = ours.arcs()
            our_counts = ours.exit_counts()
        except NotPython:
            ours = None
        except Exception:  # noqa: BLE001 - every other failure is a bug to report
            return FileResult(path, "error", traceback.format_exc(limit=-3))
    if theirs is None or ours is None:
        if theirs is None and ours is None:
            return FileResult(path, "both-not-python")
        who = "covcore" if ours is None else "coverage.py"
        return FileResult(path, "differ", f"only {who} refuses it as not Python")
    details = []
    if ours.statements != theirs.statements:
        details.append(
            f"statements: only coverage.py {sorted(theirs.statements - ours.statements)[:8]}, "
            f"only covcore {sorted(ours.statements - theirs.statements)[:8]}"
        )
    if our_arcs != their_arcs:
        details.append(
            f"arcs: only coverage.py {sorted(their_arcs - our_arcs)[:8]}, "
            f"only covcore {sorted(our_arcs - their_arcs)[:8]}"
        )
    if our_counts != their_counts:
        details.append("exit counts differ")
    return FileResult(path, "differ" if details else "same", "; ".join(details))


def compare_all(paths: Iterable[str], jobs: int = 1) -> list[FileResult]:
    """Compare every file of `paths`, in `jobs` processes."""
    paths = list(paths)
    if jobs <= 1:
        return [compare_file(path) for path in paths]
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(compare_file, paths, chunksize=16))


def summarize(results: list[FileResult]) -> tuple[int, int, int, float]:
    """(files, differing, errors, agreement share)."""
    differing = sum(1 for r in results if r.outcome == "differ")
    errors = sum(1 for r in results if r.outcome == "error")
    agreement = 1 - (differing + errors) / len(results) if results else 1.0
    return len(results), differing, errors, agreement


def main(argv: Optional[list[str]] = None) -> int:
    """Compare, print the differences and the totals; 1 if not good enough."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=1, help="compare every Nth file only")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes to use")
    args = parser.parse_args(argv)
    results = compare_all(stdlib_files(args.sample), args.jobs)
    for result in results:
        if result.outcome in ("differ", "error"):
            print(f"{result.outcome.upper()}: {result.path}\n    {result.detail}")
    files, differing, errors, agreement = summarize(results)
    not_python = sum(1 for r in results if r.outcome == "both-not-python")
    print(
        f"Python {sys.version.split()[0]}: {files} stdlib files, {files - differing - errors} agree "
        f"({not_python} of them not Python for both), {differing} differ, {errors} errors: "
        f"{100 * agreement:.2f}% agreement"
    )
    return 0 if errors == 0 and agreement >= REQUIRED_AGREEMENT else 1


if __name__ == "__main__":
    sys.exit(main())

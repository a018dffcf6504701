"""Time ``covcore html`` against ``coverage html`` on the same large data.

A real project's test suite (docutils from its PyPI sdist by default:
about 200 modules) is measured once by each tool in branch mode, with the
same arguments (``run --branch --source=PKG -m pytest TESTS``); the data
files are kept in ``benchmarks/cache/html/`` (gitignored) with the sdist.
Then each tool writes its HTML report from its own data:

* first run: into an empty directory (everything analyzed and rendered);
* second run: the same command again into the same directory (the
  incremental case: nothing changed).

Each is repeated (``--repeat``, default 5) and the median wall time is
shown, with the speed-up of the second run over the first.  The tools run
as ``PYTHON -m coverage`` / ``PYTHON -m covcore`` with this interpreter,
so the covcore measured is the one this Python imports.

    python -m benchmarks.html_bench [--project docutils==0.21.2] [--repeat 5]
    make bench-html HTML_BENCH_ARGS="--repeat 3"
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

CACHE = Path(__file__).resolve().parent / "cache" / "html"
#: project spec -> (package measured, tests folder in the sdist)
PROJECTS = {
    "docutils==0.21.2": ("docutils", "test"),
    "pyflakes==3.2.0": ("pyflakes", "pyflakes/test"),
}
TOOLS = {"covcore": ".covcore", "coverage": ".coverage"}


def _sdist(spec: str) -> Path:
    """The unpacked sdist of `spec`, downloaded once into the cache."""
    name, _, version = spec.partition("==")
    folder = CACHE / f"{name}-{version}"
    if folder.exists():
        return folder
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "-d", str(CACHE), spec],
        check=True,
    )
    archive = next(CACHE.glob(f"{name}-{version}.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(CACHE, filter="data") if sys.version_info >= (3, 12) else tar.extractall(CACHE)
    return folder


def _measure(folder: Path, package: str, tests: str, tool: str, again: bool) -> None:
    """Run the project's suite under `tool`, once (the data file is kept)."""
    data = folder / TOOLS[tool]
    if data.exists() and not again:
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COVCORE_"))}
    cmd = [sys.executable, "-m", tool, "run", "--branch", f"--source={package}",
           "-m", "pytest", "-q", "-p", "no:cacheprovider", tests]
    print(f"measuring {folder.name}'s suite with {tool} ...", flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"  {time.perf_counter() - start:.1f}s", flush=True)
    if not data.exists():
        raise SystemExit(f"{tool} wrote no data file in {folder}")


def _html(folder: Path, tool: str, directory: str) -> float:
    """One `tool html` run; its wall time."""
    cmd = [sys.executable, "-m", tool, "html", "-q", "-d", directory, f"--data-file={TOOLS[tool]}"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=folder, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    return elapsed


def _total(folder: Path, tool: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", tool, "report", "--format=total", f"--data-file={TOOLS[tool]}"],
        cwd=folder, capture_output=True, text=True,
    )
    return proc.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default="docutils==0.21.2", choices=sorted(PROJECTS))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--remeasure", action="store_true", help="run the suites again, even with data kept")
    args = parser.parse_args(argv)

    folder = _sdist(args.project)
    package, tests = PROJECTS[args.project]
    for tool in TOOLS:
        _measure(folder, package, tests, tool, args.remeasure)
    files = len(list((folder / package).rglob("*.py")))
    print(f"{args.project}: {files} modules of {package}; totals: covcore {_total(folder, 'covcore')}%, "
          f"coverage.py {_total(folder, 'coverage')}%")

    times: dict[str, dict[str, list[float]]] = {tool: {"first": [], "second": []} for tool in TOOLS}
    for _ in range(args.repeat):
        for tool in TOOLS:  # alternate the tools within each repetition
            directory = f"htmlcov-{tool}"
            shutil.rmtree(folder / directory, ignore_errors=True)
            times[tool]["first"].append(_html(folder, tool, directory))
            times[tool]["second"].append(_html(folder, tool, directory))

    medians = {tool: {run: statistics.median(values) for run, values in runs.items()} for tool, runs in times.items()}
    python = ".".join(map(str, sys.version_info[:3]))
    print(f"\nHTML report, median of {args.repeat}, Python {python}, branch data\n")
    print("| tool | first run | second run (incremental) | speed-up |")
    print("|---|---:|---:|---:|")
    for tool, run in medians.items():
        print(f"| {tool} | {run['first']:.2f} s | {run['second']:.2f} s | {run['first'] / run['second']:.1f}x |")
    ratio = medians["coverage"]["first"] / medians["covcore"]["first"]
    print(f"\ncovcore's first run takes {1 / ratio:.2f}x coverage.py's time; "
          f"its second run {medians['covcore']['second'] / medians['coverage']['second']:.2f}x coverage.py's second run.")
    result = {"project": args.project, "python": python, "repeat": args.repeat, "times": times, "medians": medians}
    out = CACHE / f"results-{python}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"(raw times in {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

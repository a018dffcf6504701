"""The workloads: what each one runs, and how its directory is prepared.

Every workload is a program run in a fresh process, in its own directory,
and that directory is the measured source for every tool:

* ``pyperf``: a pyperformance benchmark (from the installed pyperformance
  package, copied into the cache), run as the main program with the pyperf
  stand-in in ``shim/``, so the benchmark function is called in-process.
* ``project``: a real project's test suite, from its PyPI sdist (downloaded
  into the cache), run with pytest.
* ``threads``: many threads running Python code at once.
* ``imports``: importing hundreds of small modules (startup and
  file-decision cost).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
SHIM = HERE / "shim"


@dataclass(frozen=True)
class Workload:
    """One program to measure."""

    name: str
    kind: str                 # pyperf, project, threads, imports
    loops: int = 1            # pyperf: COVBENCH_LOOPS; threads: rounds; imports: modules
    quick_loops: int = 1      # the same, for --quick and --callgrind
    smoke_loops: int = 1      # the same, for --smoke
    sdist: str = ""           # project: "name==version"
    tests: tuple[str, ...] = ()   # project: pytest arguments (paths)
    extra_deps: tuple[str, ...] = ()
    description: str = ""


# Loop counts give roughly 0.4-0.6 s of plain run time on this project's
# machines (2 cores, Python 3.12): long enough that the overhead measured is
# mostly the tools' steady cost rather than their start-up (the "imports"
# workload and --quick's smaller sizes show start-up), short enough that the
# slowest tool (the pure-Python core) stays bearable.
PYPERF: dict[str, tuple[int, int]] = {
    "richards": (10, 1),
    "deltablue": (100, 10),
    "chaos": (5, 1),
    "nqueens": (4, 1),
    "fannkuch": (1, 1),
    "go": (3, 1),
    "hexiom": (60, 4),
    "raytrace": (1, 1),
    "float": (4, 1),
    "nbody": (4, 1),
    "spectral_norm": (4, 1),
    "generators": (4, 1),
    "coroutines": (15, 1),
    "deepcopy": (750, 50),
    "pyflate": (1, 1),
    "json_dumps": (40, 4),
}

WORKLOADS: list[Workload] = [
    *(Workload(name, "pyperf", loops, quick, description=f"pyperformance bm_{name}")
      for name, (loops, quick) in PYPERF.items()),
    Workload("pyflakes-tests", "project", sdist="pyflakes==4.1.0",
             tests=("pyflakes/test/test_other.py", "pyflakes/test/test_imports.py"),
             description="pyflakes' own test suite (part), pytest"),
    Workload("toolz-tests", "project", sdist="toolz==1.2.0", tests=("toolz/tests",),
             description="toolz's own test suite, pytest"),
    Workload("threads", "threads", loops=3, quick_loops=2, smoke_loops=1,
             description="32 threads running Python code at once"),
    Workload("imports", "imports", loops=600, quick_loops=200, smoke_loops=20,
             description="import 600 small modules, call one function of each"),
]

QUICK = ("richards", "nbody", "generators", "toolz-tests", "threads", "imports")
SMOKE = ("imports",)


def by_name(names: Optional[list[str]]) -> list[Workload]:
    """The workloads named (all of them for None); unknown names raise ValueError."""
    if not names:
        return list(WORKLOADS)
    known = {w.name: w for w in WORKLOADS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown workload(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]


@dataclass
class Prepared:
    """A workload ready to run: where, what, with which environment."""

    workload: Workload
    directory: Path
    target: list[str]
    env: dict[str, str] = field(default_factory=dict)


THREADS_PROGRAM = '''\
"""Many threads running Python code at once (covbench workload)."""
import sys
import threading

def collatz_steps(n):
    steps = 0
    while n != 1:
        if n % 2:
            n = 3 * n + 1
        else:
            n //= 2
        steps += 1
    return steps

def worker(start, results, index):
    best = 0
    for n in range(start, start + 700):
        steps = collatz_steps(n)
        if steps > best:
            best = steps
    results[index] = best

def main(rounds, nthreads=32):
    for _ in range(rounds):
        results = [0] * nthreads
        threads = [threading.Thread(target=worker, args=(1 + i * 700, results, i))
                   for i in range(nthreads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(results)

main(int(sys.argv[1]))
'''

SMALL_MODULE = '''\
"""Small module {i} (covbench imports workload)."""

CONSTANT_{i} = {i}


class Thing{i}:
    def __init__(self, value):
        self.value = value

    def double(self):
        if self.value > 0:
            return self.value * 2
        return 0


def entry(x):
    total = 0
    for k in range(3):
        total += Thing{i}(x + k).double()
    return total
'''

IMPORTS_PROGRAM = '''\
"""Import many small modules and call one function of each (covbench workload)."""
import importlib
import sys

count = int(sys.argv[1])
total = 0
for i in range(count):
    mod = importlib.import_module("smallpkg.m%04d" % i)
    total += mod.entry(i)
assert total > 0
'''


def _pyperf_dir(python: str) -> Path:
    out = subprocess.run(
        [python, "-c", "import pyperformance, os; print(os.path.dirname(pyperformance.__file__))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    return Path(out) / "data-files" / "benchmarks"


def _sdist(python: str, spec: str, cache: Path) -> Path:
    """The sdist archive of `spec`, downloaded into the cache once."""
    sdists = cache / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    name, _, version = spec.partition("==")
    stem = name.replace("-", "_").lower()
    for found in sdists.glob("*.tar.gz"):
        if found.name.lower() in (f"{stem}-{version}.tar.gz", f"{name.lower()}-{version}.tar.gz"):
            return found
    subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                    "-d", str(sdists), spec], check=True)
    for found in sdists.glob("*.tar.gz"):
        if found.name.lower() in (f"{stem}-{version}.tar.gz", f"{name.lower()}-{version}.tar.gz"):
            return found
    raise RuntimeError(f"pip downloaded no sdist for {spec}")


def prepare(workload: Workload, python: str, cache: Path, size: str = "full") -> Prepared:
    """Build the workload's directory under `cache` (once) and say how to run it.

    `python` is the benchmark interpreter (its pyperformance is the source of
    the pyperformance benchmarks).
    """
    work = cache / "work"
    loops = {"full": workload.loops, "quick": workload.quick_loops, "smoke": workload.smoke_loops}[size]
    if workload.kind == "pyperf":
        src = _pyperf_dir(python) / f"bm_{workload.name}"
        dest = work / f"bm_{workload.name}"
        if not dest.exists():
            shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "pyproject.toml"))
        env = {"PYTHONPATH": str(SHIM), "COVBENCH_LOOPS": str(loops)}
        return Prepared(workload, dest, ["run_benchmark.py"], env)
    if workload.kind == "project":
        archive = _sdist(python, workload.sdist, cache)
        dest = work / workload.name
        if not dest.exists():
            tmp = work / (workload.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(tmp)
            (top,) = list(tmp.iterdir())
            top.rename(dest)
            tmp.rmdir()
        # SlipCover's pytest plugin is imported before pytest can rewrite it:
        # harmless, but an error in suites that turn warnings into errors.
        target = ["-m", "pytest", "-q", "-p", "no:cacheprovider",
                  "-W", "ignore::pytest.PytestAssertRewriteWarning", *workload.tests]
        return Prepared(workload, dest, target, {"PYTHONPATH": str(dest)})
    if workload.kind == "threads":
        dest = work / "threads"
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "threads_main.py").write_text(THREADS_PROGRAM)
        return Prepared(workload, dest, ["threads_main.py", str(loops)])
    if workload.kind == "imports":
        dest = work / "imports"
        pkg = dest / "smallpkg"
        count = max(workload.loops, workload.quick_loops)
        if not (pkg / f"m{count - 1:04d}.py").exists():
            pkg.mkdir(parents=True, exist_ok=True)
            (pkg / "__init__.py").write_text('"""Many small modules."""\n')
            for i in range(count):
                (pkg / f"m{i:04d}.py").write_text(SMALL_MODULE.format(i=i))
        (dest / "imports_main.py").write_text(textwrap.dedent(IMPORTS_PROGRAM))
        return Prepared(workload, dest, ["imports_main.py", str(loops)])
    raise ValueError(f"unknown workload kind {workload.kind!r}")


def clean_outputs(prepared: Prepared) -> None:
    """Remove what a run may leave in the workload's directory (data files, images)."""
    for pattern in (".coverage*", ".covcore*", "*.ppm"):
        for p in prepared.directory.glob(pattern):
            if p.is_file():
                p.unlink()

"""The differential programs, and measuring them ahead of time in a thread pool.

Shared by the modules that compare covcore with coverage.py program by
program: test_differential.py (tests/programs), test_branch_differential.py
and test_report_xml_lcov.py (tests/programs and tests/branch_programs).

A program may start with header comments (within its first ten lines):

* ``# requires: 3.11`` -- the program needs at least that Python; it is
  skipped on older ones.
* ``# uses: pkg_shapes pkg_other`` -- helper folders next to the program that
  are copied with it, for multi-file measurement.

A program of tests/branch_programs may come with a ``.rc`` file of the same
name, copied next to it as both ``.coveragerc`` and ``.covcorerc``.
"""

from __future__ import annotations

import abc
import concurrent.futures
import dataclasses
import os
import re
import shutil
import sys
import threading
from collections.abc import Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import pytest

TESTS_DIR = Path(__file__).parent
PROGRAMS_DIR = TESTS_DIR / "programs"
BRANCH_DIR = TESTS_DIR / "branch_programs"
#: Seconds one measured program may take before the run counts as hung.
RUN_TIMEOUT = 60

_HEADER_RE = re.compile(r"^#\s*(requires|uses):\s*(.+?)\s*$")


@dataclasses.dataclass(frozen=True)
class Program:
    """One differential program and what its header comments ask for."""

    path: Path
    requires: tuple[int, int] = (3, 10)
    uses: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def rcfile(self) -> Optional[Path]:
        """The program's ``.rc`` configuration file, if it has one."""
        rc = self.path.with_suffix(".rc")
        return rc if rc.exists() else None

    def skip_reason(self) -> Optional[str]:
        """Why this program can't run on this Python, or None."""
        if sys.version_info[:2] < self.requires:
            return "requires Python {}.{}".format(*self.requires)
        return None


def read_program(path: Path) -> Program:
    """The program at `path`, with what its headers ask for."""
    requires: tuple[int, int] = (3, 10)
    uses: tuple[str, ...] = ()
    for line in path.read_text(encoding="utf-8").splitlines()[:10]:
        header = _HEADER_RE.match(line)
        if header is None:
            continue
        if header[1] == "requires":
            major, minor = header[2].split(".")
            requires = (int(major), int(minor))
        else:
            uses = tuple(header[2].replace(",", " ").split())
    return Program(path, requires, uses)


def programs_in(folder: Path, prefix: str) -> list[Program]:
    """The programs of `folder` named `prefix` and a number (``p001_x.py``), sorted by name."""
    return [read_program(path) for path in sorted(folder.glob(f"{prefix}[0-9]*.py"))]


# The test run's environment, read once at import.  The runs start in a thread
# pool, and reading os.environ there races with pytest, which sets and deletes
# PYTEST_CURRENT_TEST in the main thread around every test (a KeyError).
_ENVIRON = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}


#: The one COVCORE_ setting a measured run keeps: the sysmon core's testing
#: aid that sends every code object through its INSTRUCTION-event path
#: (docs/architecture.md), so that whole suites can run with it on.
KEPT_SETTINGS = ("COVCORE_SYSMON_INSTR",)


def run_env(oracle: bool) -> dict[str, str]:
    """The environment of a measured run: no stray COVERAGE_/COVCORE_ settings, a fixed hash seed.

    The oracle is always coverage.py's C tracer (on 3.12+ it could choose sys.monitoring).
    """
    env = {
        k: v for k, v in _ENVIRON.items()
        if not k.startswith(("COVERAGE_", "COVCORE_")) or (k in KEPT_SETTINGS and not oracle)
    }
    env["PYTHONHASHSEED"] = "0"
    if oracle:
        env["COVERAGE_CORE"] = "ctrace"
    return env


def copy_program(prog: Program, workdir: Path) -> Path:
    """Copy the program, its helper folders and its rc file into a new folder; its real path."""
    workdir.mkdir(parents=True)
    shutil.copy2(prog.path, workdir / prog.path.name)
    for pkg in prog.uses:
        shutil.copytree(
            prog.path.parent / pkg, workdir / pkg, ignore=shutil.ignore_patterns("__pycache__")
        )
    if prog.rcfile is not None:
        shutil.copy2(prog.rcfile, workdir / ".coveragerc")
        shutil.copy2(prog.rcfile, workdir / ".covcorerc")
    return Path(os.path.realpath(workdir))


class AheadRunner(abc.ABC):
    """Runs started ahead of time in a thread pool, each one once.

    One worker per CPU, or ``COVCORE_DIFF_JOBS``.  A subclass says in
    :meth:`plan` which runs the selected tests will need, in their order.
    """

    def __init__(self, base: Path) -> None:
        self.base = base
        jobs = int(os.environ.get("COVCORE_DIFF_JOBS", "0")) or os.cpu_count() or 2
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
        self.lock = threading.Lock()
        self.futures: dict[Hashable, concurrent.futures.Future[Any]] = {}

    def start(self, key: Hashable, run: Callable[..., Any], *args: Any) -> None:
        """Start ``run(*args)`` as the run `key`, unless it has been started already."""
        with self.lock:
            if key not in self.futures:
                self.futures[key] = self.pool.submit(run, *args)

    @abc.abstractmethod
    def plan(self, items: Sequence[pytest.Item]) -> None:
        """Start every run that the selected tests will need."""

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


R = TypeVar("R", bound=AheadRunner)


def serve(runner: R, request: pytest.FixtureRequest) -> Iterator[R]:
    """The body of a session fixture: plan the session's runs, serve, then stop the pool."""
    runner.plan(request.session.items)
    try:
        yield runner
    finally:
        runner.close()

"""Branch reports compared with coverage.py's, program by program, core by core.

Every program of tests/programs (shared with test_differential.py) and of
tests/branch_programs (branch constructs, exclusions and pragmas) is run
once with ``coverage run --branch`` (coverage.py's C tracer, the oracle) and
once with ``covcore run --branch --core X`` for each covcore core available.
Then, in the folder of each run, ``coverage json`` / ``covcore json`` and
``coverage report -m`` / ``covcore report -m`` are run through each tool's
command-line entry point (in this process: they are cheap, the runs are
not), and the results must be identical: statements, executed, missing and
excluded lines, executed and missing branch arcs, every per-file, per-region
and total summary, and the text table.  The possible arcs of each measured
file, and the sentence for each missed branch, are compared with
coverage.py's parser too.

Headers (``# requires: 3.11``, ``# uses: pkg_x``) and ``.rc`` files are read
as programs_support.py describes.  Runs are started ahead of time in a
thread pool (one worker per CPU, or ``COVCORE_DIFF_JOBS``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Optional

import coverage
import coverage.cmdline
import coverage.parser
import pytest

import covcore.cmdline
from covcore.cores import available_cores
from covcore.parser import PythonParser
from covcore.results import clear_parse_cache
from programs_support import (
    BRANCH_DIR, PROGRAMS_DIR, RUN_TIMEOUT, AheadRunner, Program, copy_program, programs_in, run_env, serve,
)

TEST_NAME = "test_branch_reports_same_as_coverage"
CORES = list(available_cores())

#: coverage.py 7.16 (the oracle on Python 3.10) did not find the functions and
#: classes defined in `else`, `except` and `finally` blocks, so its JSON region
#: breakdown differs from 7.17's (and covcore's) for these programs; the rest of
#: their reports is compared as usual.  It also kept the last region of a
#: repeated name (a property's getter and setter), where 7.18 and covcore keep
#: the first and name the others @<def line>.
OLD_COVERAGE = coverage.version_info[:3] < (7, 17, 0)
REGIONS_DIFFER_ON_OLD_COVERAGE = {"p070_properties", "p135_conditional_definitions"}


PROGRAMS = programs_in(PROGRAMS_DIR, "p") + programs_in(BRANCH_DIR, "b")


# ---------------------------------------------------------------------------
# Running


def _run(prog: Program, core: Optional[str], workdir: Path) -> tuple[Path, str]:
    """Measure `prog` with coverage.py (core None) or covcore; returns (folder, stderr)."""
    workdir = copy_program(prog, workdir)
    if core is None:
        cmd = [sys.executable, "-m", "coverage", "run", "--branch",
               "--data-file=.coverage", f"--source={workdir}", prog.path.name]  # fmt: skip
    else:
        cmd = [sys.executable, "-m", "covcore", "run", "--branch", "--core", core,
               "--data-file=.covcore", f"--source={workdir}", prog.path.name]  # fmt: skip
    try:
        proc = subprocess.run(
            cmd, cwd=workdir, env=run_env(core is None), stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=RUN_TIMEOUT,
        )  # fmt: skip
        return workdir, proc.stderr
    except subprocess.TimeoutExpired:
        return workdir, f"timed out after {RUN_TIMEOUT}s"


@dataclasses.dataclass
class Reports:
    """What one tool reported for one run."""

    json: dict[str, Any]
    text: str
    error: Optional[str] = None


def _quiet_main(main: Any, argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        status = main(argv)
    return status, out.getvalue()


def _reports(workdir: Path, oracle: bool, stderr: str) -> Reports:
    """``json`` and ``report -m`` of a finished run, by each tool's CLI, in its folder."""
    data_file = ".coverage" if oracle else ".covcore"
    if not (workdir / data_file).exists():
        return Reports({}, "", f"no data file; stderr:\n{stderr[-2000:]}")
    main = coverage.cmdline.main if oracle else covcore.cmdline.main
    json_args = ["json", "-o", "report.json", f"--data-file={data_file}"]
    report_args = ["report", "-m", f"--data-file={data_file}"]
    if oracle:
        json_args.append("-q")
    old = os.getcwd()
    os.chdir(workdir)
    try:
        clear_parse_cache()
        status, _ = _quiet_main(main, json_args)
        if status != 0:
            return Reports({}, "", f"json failed with status {status}")
        loaded = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
        status, text = _quiet_main(main, report_args)
        if status != 0:
            return Reports(loaded, text, f"report failed with status {status}")
    finally:
        os.chdir(old)
    return Reports(loaded, text)


class BranchRunner(AheadRunner):
    """Runs the programs ahead of time; builds each run's reports once."""

    def __init__(self, base: Path) -> None:
        super().__init__(base)
        self.reports: dict[tuple[str, Optional[str]], Reports] = {}

    def submit(self, prog: Program, core: Optional[str]) -> None:
        workdir = self.base / f"{prog.name}-{core or 'oracle'}"
        self.start((prog.name, core), _run, prog, core, workdir)

    def plan(self, items: Sequence[pytest.Item]) -> None:
        for item in items:
            callspec = getattr(item, "callspec", None)
            if getattr(item, "originalname", None) != TEST_NAME or callspec is None:
                continue
            prog = callspec.params["program"]
            if prog.skip_reason():
                continue
            self.submit(prog, None)
            self.submit(prog, callspec.params["core"])

    def result(self, prog: Program, core: Optional[str]) -> tuple[Path, Reports]:
        self.submit(prog, core)
        key = (prog.name, core)
        workdir, stderr = self.futures[key].result()
        if key not in self.reports:
            self.reports[key] = _reports(workdir, core is None, stderr)
        return workdir, self.reports[key]


@pytest.fixture(scope="session")
def branch_runner(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BranchRunner]:
    yield from serve(BranchRunner(tmp_path_factory.mktemp("branch-differential")), request)


# ---------------------------------------------------------------------------
# Comparing


def _comparable(report: dict[str, Any], without_regions: bool = False) -> dict[str, Any]:
    """The report without what may differ between runs (versions, time, core)."""
    report = dict(report)
    meta = dict(report.get("meta", {}))
    for key in ("version", "timestamp", "core"):
        meta.pop(key, None)
    report["meta"] = meta
    if without_regions:
        report["files"] = {
            name: {k: v for k, v in entry.items() if k not in ("functions", "classes")}
            for name, entry in report.get("files", {}).items()
        }
    return report


def _json_differences(theirs: dict[str, Any], ours: dict[str, Any], path: str = "") -> list[str]:
    """Where two JSON values differ, as readable paths (at most a few per level)."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        out = []
        for key in sorted(set(theirs) | set(ours)):
            where = f"{path}/{key}"
            if key not in ours:
                out.append(f"{where}: only in coverage.py")
            elif key not in theirs:
                out.append(f"{where}: only in covcore")
            else:
                out.extend(_json_differences(theirs[key], ours[key], where))
        return out
    if theirs != ours:
        return [f"{path}: coverage.py {theirs!r}, covcore {ours!r}"]
    return []


def _normalized_descriptions(text: str) -> set[str]:
    """coverage.py's sentence for a missing arc, without its cause-less parts."""
    parts = [part.removesuffix(" because ") for part in text.split(" or ")]
    with_cause = [part for part in parts if " because " in part]
    return set(with_cause or parts)


def _static_differences(workdir: Path, report: dict[str, Any]) -> list[str]:
    """Possible arcs, exit counts and missed-branch sentences of each measured file."""
    problems = []
    for name, entry in report["files"].items():
        path = str(workdir / name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                theirs = coverage.parser.PythonParser(filename=path)
                theirs.parse_source()
            except coverage.exceptions.NotPython:
                continue
        ours = PythonParser(filename=path)
        ours.parse_source()
        if ours.arcs() != theirs.arcs():
            problems.append(
                f"{name}: possible arcs differ: only coverage.py "
                f"{sorted(theirs.arcs() - ours.arcs())}, only covcore {sorted(ours.arcs() - theirs.arcs())}"
            )
        if ours.exit_counts() != dict(theirs.exit_counts()):
            problems.append(f"{name}: exit counts differ")
        for start, end in entry.get("missing_branches", []):
            want = _normalized_descriptions(theirs.missing_arc_description(start, end))
            got = set(ours.missing_arc_description(start, end).split(" or "))
            if want != got:
                problems.append(f"{name}: {start}->{end} described as {got}, not {want}")
    return problems


def _params() -> Iterator[Any]:
    for prog in PROGRAMS:
        for core in CORES:
            reason = prog.skip_reason()
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            yield pytest.param(prog, core, id=f"{prog.name}-{core}", marks=marks)


@pytest.mark.parametrize("program, core", list(_params()))
def test_branch_reports_same_as_coverage(
    branch_runner: BranchRunner, program: Program, core: str
) -> None:
    """covcore's JSON and text reports of a --branch run equal coverage.py's."""
    theirs_dir, theirs = branch_runner.result(program, None)
    if theirs.error:
        pytest.fail(f"the oracle failed on {program.name}: {theirs.error}", pytrace=False)
    _, ours = branch_runner.result(program, core)
    if ours.error:
        pytest.fail(f"covcore ({core}) failed on {program.name}: {ours.error}", pytrace=False)
    no_regions = OLD_COVERAGE and program.name in REGIONS_DIFFER_ON_OLD_COVERAGE
    problems = _json_differences(
        _comparable(theirs.json, no_regions), _comparable(ours.json, no_regions)
    )
    if theirs.text != ours.text:
        problems.append(f"text reports differ:\n{theirs.text}\n--- covcore:\n{ours.text}")
    if core == CORES[0]:
        problems += _static_differences(theirs_dir, theirs.json)
    assert not problems, f"{program.name} ({core}):\n" + "\n".join(problems[:40])


def test_enough_programs() -> None:
    """At least 120 programs, with unique names, and every core is tested."""
    assert len(PROGRAMS) >= 120
    assert len({p.name.split("_")[0] for p in PROGRAMS}) == len(PROGRAMS)
    assert "ctrace" in CORES and "pytrace" in CORES


def test_every_rcfile_has_a_program() -> None:
    """A stray .rc file would silently configure nothing."""
    stray = [rc.name for rc in BRANCH_DIR.glob("*.rc") if not rc.with_suffix(".py").exists()]
    assert not stray

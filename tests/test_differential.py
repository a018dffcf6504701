"""Differential tests: covcore records what coverage.py's C tracer records.

Every program in tests/programs is run in a subprocess under coverage.py (the
oracle, always with its C tracer, ``COVERAGE_CORE=ctrace``) and under each
covcore core available on this Python, in line mode and in branch mode.  The
measured files must be the same, and for each file the executed lines and, in
branch mode, the arcs.

A program's header comments (``# requires:``, ``# uses:``) are read as
programs_support.py describes.

Each run happens in its own temporary copy of the program, so data files never
land in the tree.  The oracle runs once per (program, mode) and is shared by the
cores.  Runs are started ahead of time in a small thread pool (one worker per
CPU, or ``COVCORE_DIFF_JOBS``), in the order pytest will ask for them.  Each
run costs about 0.13 s of CPU, so with 140 programs, 2 modes and 3 cores plus
the oracle (3.12+) the module takes about 75 s on an idle 2-core machine.

``COVCORE_DIFF_SELFTEST=1`` checks the harness itself: the candidate is then
coverage.py's own pure-Python tracer (``--timid``), labelled ``pytrace``, and
every program must agree with coverage.py's C tracer, except the few listed in
SELFTEST_KNOWN_DIFFERENCES.  ``COVCORE_DIFF_SELFTEST=ctrace`` makes the
candidate coverage.py's C tracer again: a check that every program measures
deterministically.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Optional

import coverage
import pytest

from programs_support import (
    PROGRAMS_DIR, RUN_TIMEOUT, AheadRunner, Program, copy_program, programs_in, run_env, serve,
)

MODES = ("lines", "branch")
_SELFTEST_ENV = os.environ.get("COVCORE_DIFF_SELFTEST", "")
SELFTEST = _SELFTEST_ENV not in ("", "0")
#: The coverage.py core that stands in for covcore in a self-test.
SELFTEST_CORE = "ctrace" if _SELFTEST_ENV == "ctrace" else "pytrace"
#: The name of this module's differential test function, for the prefetcher.
TEST_NAME = "test_same_as_coverage"

TArc = tuple[int, int]


# ---------------------------------------------------------------------------
# The programs


PROGRAMS = programs_in(PROGRAMS_DIR, "p")


# ---------------------------------------------------------------------------
# The cores under test


def candidate_cores() -> tuple[list[str], Optional[str]]:
    """The cores to compare with the oracle, and why there are none, if so."""
    if SELFTEST:
        return [SELFTEST_CORE], None
    try:
        from covcore.cores import available_cores

        return list(available_cores()), None
    except Exception as exc:  # any failure here must be shown, not skipped
        return [], f"covcore.cores.available_cores() failed: {exc!r}"


CORES, CORES_ERROR = candidate_cores()


#: Where coverage.py's own two tracers disagree, so the self-test must fail.
#: Program name -> (first Python version affected, why); branch mode only.
#: On 3.11+ CPython reports a line event for the ``with`` line when an
#: exception (or GeneratorExit) leaves the ``with`` body: the instruction is the
#: handler's PUSH_EXC_INFO.  The C tracer records it (arcs body->with and
#: with->handler); coverage.py 7.17's PyTracer skips line events at
#: PUSH_EXC_INFO (a PyPy workaround) and records body->handler instead.
#: covcore follows the C tracer, so these stay in the real differential run.
_PUSH_EXC_INFO = "coverage.py's PyTracer skips the PUSH_EXC_INFO line event of `with`"
SELFTEST_KNOWN_DIFFERENCES: dict[str, tuple[tuple[int, int], str]] = {
    "p038_with_basic": ((3, 11), _PUSH_EXC_INFO),
    "p039_with_suppress": ((3, 11), _PUSH_EXC_INFO),
    "p041_contextmanager_decorator": ((3, 11), _PUSH_EXC_INFO),
    "p042_with_parenthesized": ((3, 11), _PUSH_EXC_INFO),
    "p064_async_with": ((3, 11), _PUSH_EXC_INFO),
    "p128_exit_raises": ((3, 11), _PUSH_EXC_INFO),
    "p137_yield_in_with": ((3, 12), _PUSH_EXC_INFO),
}


def _marks(prog: Program, mode: str) -> list[Any]:
    """The skip or expected-failure marks of one (program, mode)."""
    reason = prog.skip_reason()
    if reason:
        return [pytest.mark.skip(reason=reason)]
    known = SELFTEST_KNOWN_DIFFERENCES.get(prog.name)
    if (
        SELFTEST_CORE == "pytrace" and SELFTEST and mode == "branch" and known
        and sys.version_info[:2] >= known[0]
    ):
        return [pytest.mark.xfail(strict=True, reason=known[1])]
    return []


def _params() -> Iterator[Any]:
    """(program, mode, core) for every test, in the order they run."""
    cores = CORES or ["no-core"]
    for prog in PROGRAMS:
        for mode in MODES:
            for core in cores:
                yield pytest.param(
                    prog, mode, core, id=f"{prog.name}-{mode}-{core}",
                    marks=_marks(prog, mode),
                )


# ---------------------------------------------------------------------------
# Running the programs


@dataclasses.dataclass
class Measured:
    """What one measured run produced, with file names made relative."""

    tool: str
    returncode: int
    stdout: str
    stderr: str
    #: Relative file name -> sorted executed lines.
    lines: dict[str, list[int]]
    #: Relative file name -> sorted arcs; empty in line mode.
    arcs: dict[str, list[TArc]]
    #: Why the data could not be read, or None.
    error: Optional[str] = None

    def output_tail(self, n: int = 15) -> str:
        """The last lines of stderr, to explain a failed run."""
        tail = self.stderr.strip().splitlines()[-n:]
        return "\n".join("    " + line for line in tail) or "    (no stderr)"


def subprocess_env(oracle: bool, core: str) -> dict[str, str]:
    """The environment for one measured run (see programs_support.run_env)."""
    env = run_env(oracle)
    if not oracle and SELFTEST:
        env["COVERAGE_CORE"] = core
        if core == "ctrace":
            # The determinism check: programs must not depend on hash order either.
            env["PYTHONHASHSEED"] = "12345"
    return env


def command(prog: Program, mode: str, core: Optional[str], workdir: Path) -> list[str]:
    """The command line of one run; core None means the oracle."""
    branch = ["--branch"] if mode == "branch" else []
    if core is None or SELFTEST:
        data_file = workdir / ".coverage"
        timid = ["--timid"] if core == "pytrace" else []
        return [
            sys.executable, "-m", "coverage", "run", *timid, *branch,
            f"--data-file={data_file}", f"--source={workdir}", prog.path.name,
        ]  # fmt: skip
    data_file = workdir / ".covcore"
    return [
        sys.executable, "-m", "covcore", "run", "--core", core, *branch,
        f"--data-file={data_file}", f"--source={workdir}", prog.path.name,
    ]  # fmt: skip


def run_measured(
    prog: Program, mode: str, core: Optional[str], workdir: Path
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """Run one program under coverage.py (core None) or covcore, in a fresh copy."""
    workdir = copy_program(prog, workdir)
    cmd = command(prog, mode, core, workdir)
    try:
        proc = subprocess.run(
            cmd,
            cwd=workdir,
            env=subprocess_env(core is None, core or "ctrace"),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        proc = subprocess.CompletedProcess(
            cmd, -1, "", f"{err}\n(timed out after {RUN_TIMEOUT}s: {' '.join(cmd)})"
        )
    return workdir, proc


def _relative(filename: str, workdir: Path) -> str:
    """A measured file name relative to the run's folder (absolute if outside it)."""
    real = Path(os.path.realpath(filename))
    try:
        return real.relative_to(workdir).as_posix()
    except ValueError:
        return filename


def read_measured(
    tool: str, workdir: Path, proc: subprocess.CompletedProcess[str], data_file: Path,
    use_covcore: bool,
) -> Measured:
    """Read a run's data file with coverage.py's or covcore's CoverageData."""
    result = Measured(tool, proc.returncode, proc.stdout, proc.stderr, {}, {})
    if not data_file.exists():
        result.error = f"{tool} wrote no data file ({data_file.name})"
        return result
    try:
        if use_covcore:
            import covcore

            data: Any = covcore.CoverageData(str(data_file))
        else:
            data = coverage.CoverageData(str(data_file))
        data.read()
        try:
            for fname in data.measured_files():
                rel = _relative(fname, workdir)
                result.lines[rel] = sorted(data.lines(fname) or [])
                arcs = data.arcs(fname)
                if arcs is not None:
                    result.arcs[rel] = sorted(tuple(a) for a in arcs)
        finally:
            close = getattr(data, "close", None)
            if close is not None:
                close()
    except Exception as exc:
        result.error = f"{tool}'s data file could not be read: {exc!r}"
    return result


class DiffRunner(AheadRunner):
    """Runs the oracle and the candidates, ahead of time, in a thread pool.

    Subprocesses run in worker threads; data files are read in the test's
    thread.  Oracle results are parsed once and shared by all the cores.
    """

    def __init__(self, base: Path) -> None:
        super().__init__(base)
        self.parsed: dict[tuple[str, str], Measured] = {}

    def submit(self, prog: Program, mode: str, core: Optional[str]) -> None:
        """Start one run unless it has been started already."""
        workdir = self.base / f"{prog.name}-{mode}-{core or 'oracle'}"
        self.start((prog.name, mode, core), run_measured, prog, mode, core, workdir)

    def plan(self, items: Sequence[pytest.Item]) -> None:
        """Start every run that the selected tests will need, in their order."""
        for item in items:
            callspec = getattr(item, "callspec", None)
            if getattr(item, "originalname", None) != TEST_NAME or callspec is None:
                continue
            if getattr(item, "path", None) != Path(__file__):
                continue
            prog = callspec.params["program"]
            if prog.skip_reason() or callspec.params["core"] not in CORES:
                continue
            self.submit(prog, callspec.params["mode"], None)
            self.submit(prog, callspec.params["mode"], callspec.params["core"])

    def _result(self, prog: Program, mode: str, core: Optional[str]) -> Measured:
        self.submit(prog, mode, core)
        workdir, proc = self.futures[(prog.name, mode, core)].result()
        if core is None:
            return read_measured("coverage.py", workdir, proc, workdir / ".coverage", False)
        tool = f"coverage.py again ({core})" if SELFTEST else f"covcore ({core})"
        data_file = workdir / (".coverage" if SELFTEST else ".covcore")
        return read_measured(tool, workdir, proc, data_file, not SELFTEST)

    def oracle(self, prog: Program, mode: str) -> Measured:
        """coverage.py's result for (program, mode), computed once."""
        key = (prog.name, mode)
        if key not in self.parsed:
            self.parsed[key] = self._result(prog, mode, None)
        return self.parsed[key]

    def candidate(self, prog: Program, mode: str, core: str) -> Measured:
        """A covcore core's result for (program, mode)."""
        return self._result(prog, mode, core)


@pytest.fixture(scope="session")
def diff_runner(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DiffRunner]:
    yield from serve(DiffRunner(tmp_path_factory.mktemp("differential")), request)


# ---------------------------------------------------------------------------
# Comparing


def _source_line(prog: Program, workdir_rel: str, lineno: int) -> str:
    """The text of a line of a measured file, for failure messages."""
    path = PROGRAMS_DIR / workdir_rel
    if lineno <= 0:
        return ""
    try:
        text = path.read_text(encoding="utf-8").splitlines()[lineno - 1]
    except (OSError, IndexError):
        return ""
    return text.strip()[:60]


def _describe(prog: Program, fname: str, item: Any) -> str:
    """One line or arc, with its source text."""
    if isinstance(item, tuple):
        a, b = item
        src_a = _source_line(prog, fname, abs(a))
        src_b = _source_line(prog, fname, abs(b))
        return f"{a}->{b}    [{src_a!r} -> {src_b!r}]"
    return f"{item}    [{_source_line(prog, fname, item)!r}]"


def symmetric_difference(
    prog: Program, what: str, fname: str, oracle: Sequence[Any], ours: Sequence[Any],
    ours_label: str,
) -> Optional[str]:
    """A readable account of how two sorted lists differ, or None if equal."""
    if list(oracle) == list(ours):
        return None
    only_cov = sorted(set(oracle) - set(ours))
    only_ours = sorted(set(ours) - set(oracle))
    out = [f"{what} differ in {fname}:"]
    out.append(f"  only in coverage.py ({len(only_cov)}):")
    out.extend(f"      {_describe(prog, fname, x)}" for x in only_cov)
    out.append(f"  only in {ours_label} ({len(only_ours)}):")
    out.extend(f"      {_describe(prog, fname, x)}" for x in only_ours)
    if not only_cov and not only_ours:
        out.append("  (same items, but duplicated or unsorted)")
    return "\n".join(out)


#: coverage.py on 3.11 takes a generator resumed by throw() or close() for a
#: fresh call (docs/differences.md); covcore deliberately does not.
_THROW_QUIRK = sys.version_info[:2] == (3, 11)


def _only_throw_quirk(oracle: Sequence[tuple[int, int]], ours: Sequence[tuple[int, int]]) -> bool:
    """Do the arcs differ only by coverage.py's 3.11 throw() quirk?

    Where coverage.py records an entry arc ``(-firstline, x)`` for a frame
    resumed by throw(), covcore records ``(suspended line, x)``: every arc
    only coverage.py has must start negative and be matched by one of ours
    with a positive start and the same end, and every arc only covcore has
    must be such a positive-start twin of an entry arc coverage.py has.
    """
    only_cov = set(oracle) - set(ours)
    only_ours = set(ours) - set(oracle)
    if not only_cov and not only_ours:
        return False
    ends_entered = {x for a, x in oracle if a < 0}
    twins = {x for y, x in only_ours if y > 0}
    return (
        all(a < 0 and x in twins for a, x in only_cov)
        and all(y > 0 and x in ends_entered for y, x in only_ours)
    )


def compare(prog: Program, mode: str, oracle: Measured, ours: Measured) -> list[str]:
    """Every difference between the oracle's result and ours."""
    problems = []
    if oracle.returncode != ours.returncode:
        problems.append(
            f"exit codes differ: coverage.py {oracle.returncode}, {ours.tool} {ours.returncode}\n"
            f"  {ours.tool} stderr:\n{ours.output_tail()}"
        )
    files_cov, files_ours = set(oracle.lines), set(ours.lines)
    if files_cov != files_ours:
        problems.append(
            "measured files differ:\n"
            f"  only in coverage.py: {sorted(files_cov - files_ours)}\n"
            f"  only in {ours.tool}: {sorted(files_ours - files_cov)}"
        )
    for fname in sorted(files_cov & files_ours):
        diff = symmetric_difference(
            prog, "lines", fname, oracle.lines[fname], ours.lines[fname], ours.tool
        )
        if diff:
            problems.append(diff)
        if mode == "branch":
            oracle_arcs, our_arcs = oracle.arcs.get(fname, []), ours.arcs.get(fname, [])
            if _THROW_QUIRK and _only_throw_quirk(oracle_arcs, our_arcs):
                continue
            diff = symmetric_difference(prog, "arcs", fname, oracle_arcs, our_arcs, ours.tool)
            if diff:
                problems.append(diff)
    return problems


# ---------------------------------------------------------------------------
# The tests


@pytest.mark.parametrize("program, mode, core", list(_params()))
def test_same_as_coverage(
    diff_runner: DiffRunner, program: Program, mode: str, core: str
) -> None:
    """covcore's core records the same files, lines and arcs as coverage.py."""
    if CORES_ERROR:
        pytest.fail(CORES_ERROR, pytrace=False)
    oracle = diff_runner.oracle(program, mode)
    if oracle.error:
        pytest.fail(
            f"the oracle failed on {program.name} ({mode}): {oracle.error}\n"
            f"{oracle.output_tail()}",
            pytrace=False,
        )
    ours = diff_runner.candidate(program, mode, core)
    if ours.error:
        pytest.fail(f"{ours.error}\n  stderr:\n{ours.output_tail()}", pytrace=False)
    problems = compare(program, mode, oracle, ours)
    if problems:
        pytest.fail(
            f"{program.name} ({mode} mode): {ours.tool} differs from coverage.py\n"
            + "\n".join(problems),
            pytrace=False,
        )


def test_enough_programs() -> None:
    """The suite holds at least 100 programs, with unique number prefixes."""
    assert len(PROGRAMS) >= 100
    numbers = [p.name.split("_")[0] for p in PROGRAMS]
    assert len(numbers) == len(set(numbers)), "two programs share a number"


def test_program_helpers_exist() -> None:
    """Every ``# uses:`` header names a helper folder that exists."""
    missing = [
        (p.name, pkg) for p in PROGRAMS for pkg in p.uses if not (PROGRAMS_DIR / pkg).is_dir()
    ]
    assert not missing


def test_oracle_uses_c_tracer(tmp_path: Path) -> None:
    """The oracle is coverage.py's C tracer, never sys.monitoring or the Python tracer."""
    (tmp_path / "tiny.py").write_text("x = 1\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable, "-m", "coverage", "run", "--debug=sys",
            f"--data-file={tmp_path / '.coverage'}", "tiny.py",
        ],  # fmt: skip
        cwd=tmp_path,
        env=subprocess_env(True, "ctrace"),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    cores = re.findall(r"^\s*core: (\S+)", proc.stdout + proc.stderr, re.MULTILINE)
    assert cores == ["CTracer"]


def test_cores_are_available() -> None:
    """covcore says which cores it has, and the pure-Python core is always one."""
    if SELFTEST:
        pytest.skip("self-test: the candidate is coverage.py, not covcore")
    assert CORES_ERROR is None, CORES_ERROR
    assert "pytrace" in CORES


def test_throw_quirk_rule_is_narrow() -> None:
    """The accepted 3.11 difference is exactly the entry-vs-resume source line."""
    cov = [(-5, 6), (6, 9), (-5, 10), (10, -5)]
    assert _only_throw_quirk(cov, [(-5, 6), (6, 9), (9, 10), (10, -5)])
    assert _only_throw_quirk([(-13, 14), (-13, -13)], [(-13, 14), (13, -13)])
    # A genuinely missing or extra arc is never excused.
    assert not _only_throw_quirk(cov, [(-5, 6), (6, 9), (10, -5)])
    assert not _only_throw_quirk(cov, cov + [(6, 7)])
    assert not _only_throw_quirk(cov, [(-5, 6), (6, 9), (9, 11), (10, -5)])

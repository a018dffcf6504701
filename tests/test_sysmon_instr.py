"""Lines from INSTRUCTION events: the sys.monitoring core on long code objects.

On Python 3.12 and 3.13 a LINE event in a long code object costs a scan of
its location table (ctracer/sysinstr.h), so the sysmon core asks such code
for INSTRUCTION events and derives the LINE events CPython would send.
These tests check that the derived events record exactly what LINE events
record: a sample of the differential programs runs with every code object
on that path (COVCORE_SYSMON_INSTR=all, the testing aid of
docs/architecture.md) and without it; a long flat module takes the path by
itself and records what the settrace core records.  The whole differential
suites run with the switch too (``COVCORE_SYSMON_INSTR=all pytest
tests/test_differential.py ...``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import covcore
from programs_support import BRANCH_DIR, PROGRAMS_DIR, RUN_TIMEOUT, Program, copy_program, programs_in, run_env
from test_differential import read_measured
from test_tracer import _import

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] not in ((3, 12), (3, 13)),
    reason="INSTRUCTION-event lines are for Python 3.12 and 3.13",
)

SWITCH = "COVCORE_SYSMON_INSTR"

#: Every fifth differential program, both folders: loops, generators,
#: exceptions, async code, comprehensions, with and match statements.
SAMPLE = (programs_in(PROGRAMS_DIR, "p") + programs_in(BRANCH_DIR, "b"))[::5]


def _run(prog: Program, branch: bool, switch: str, workdir: Path) -> Any:
    """Run `prog` under the sysmon core with the switch at `switch`; its lines and arcs."""
    workdir = copy_program(prog, workdir)
    data_file = workdir / ".covcore"
    cmd = [
        sys.executable, "-m", "covcore", "run", "--core", "sysmon", *(["--branch"] if branch else []),
        f"--data-file={data_file}", f"--source={workdir}", prog.path.name,
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=workdir, env={**run_env(False), SWITCH: switch}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )  # fmt: skip
    return read_measured(f"sysmon ({switch})", workdir, proc, data_file, True)


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branch"])
@pytest.mark.parametrize("prog", SAMPLE, ids=lambda p: p.name)
def test_instruction_events_record_what_line_events_record(prog: Program, branch: bool, tmp_path: Path) -> None:
    if prog.skip_reason():
        pytest.skip(prog.skip_reason())
    with_lines = _run(prog, branch, "off", tmp_path / "off")
    with_instructions = _run(prog, branch, "all", tmp_path / "all")
    assert with_lines.error is None and with_instructions.error is None
    assert with_instructions.returncode == with_lines.returncode
    assert with_instructions.lines == with_lines.lines
    assert with_instructions.arcs == with_lines.arcs


def flat_module(lines: int) -> str:
    """A module of `lines` lines, one code object: a two-way branch in every five lines."""
    return "".join(f"x = {i}\nif x % 3:\n    y = x\nelse:\n    y = -x\n" for i in range(lines // 5))


def _measure(core: str, path: Path, branch: bool) -> tuple[Any, Any]:
    """`path`'s lines and arcs under `core`, and (sysmon) which events its module code took."""
    cov = covcore.Coverage(core=core, branch=branch, source=[str(path.parent)],
                           data_file=str(path.parent / f".covcore-{core}"), config_file=False)
    events = None
    cov.start()
    try:
        module = _import(path)
        if core == "sysmon":
            tracer = cov._collector.tracers[0]  # type: ignore[union-attr]
            events = tracer._line_events(module.code)
    finally:
        cov.stop()
    data = cov.get_data()
    return (sorted(data.lines(str(path)) or []), sorted(data.arcs(str(path)) or [])), events


def _with_code(text: str) -> str:
    """The module text, ending by keeping its own code object (for _line_events)."""
    return text + "import sys\ncode = sys._getframe().f_code\n"


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branch"])
def test_a_long_flat_module_takes_instruction_events(branch: bool, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SWITCH, raising=False)
    path = tmp_path / "flat.py"
    path.write_text(_with_code(flat_module(20_000)))
    (lines, arcs), events = _measure("sysmon", path, branch)
    assert events == "INSTRUCTION"
    # Known from the text: every line but `else:`, and but `y = x` where x % 3
    # is 0, and `y = -x` where it is not.
    body = 20_000
    skipped = {4: lambda i: True, 3: lambda i: i % 3 == 0, 0: lambda i: i % 3 != 0}
    expected = [n for n in range(1, body + 1) if not skipped.get(n % 5, lambda i: False)((n - 1) // 5)]
    assert lines == expected + [body + 1, body + 2]
    if branch:
        assert {(1, 2), (2, 5), (5, 6), (6, 7), (7, 8), (8, 11)} <= set(arcs)
        monkeypatch.setenv(SWITCH, "off")
        (_, arcs_by_lines), by_lines = _measure("sysmon", path, branch)
        assert by_lines == "LINE"
        assert arcs == arcs_by_lines


def test_a_short_module_keeps_line_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SWITCH, raising=False)
    path = tmp_path / "short.py"
    path.write_text(_with_code(flat_module(500)))
    _, events = _measure("sysmon", path, True)
    assert events == "LINE"


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branch"])
def test_switched_on_flat_module_same_as_ctrace(branch: bool, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # ctrace (sys.settrace, which 3.12 builds on LINE events) is quadratic
    # here: a size it measures in moments, the path forced by the switch.
    path = tmp_path / "flat.py"
    path.write_text(_with_code(flat_module(3_000)))
    expected, _ = _measure("ctrace", path, branch)
    monkeypatch.setenv(SWITCH, "all")
    got, events = _measure("sysmon", path, branch)
    assert events == "INSTRUCTION"
    assert got == expected


LOOPS = """\
def walk(items):
    total = 0
    for item in items:
        if item % 2: total += item
        else: total -= 1
    while total > 10: total //= 2
    return total

for n in range(5):
    walk(range(n))
import sys
code = sys._getframe().f_code
"""


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branch"])
def test_loops_on_one_line_same_as_ctrace(branch: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A loop's first instruction is entered from its own line (before the
    # loop) and from others (its body): which one decides whether a line
    # event fires, and the frame's last instruction tells.
    path = tmp_path / "loops.py"
    path.write_text(LOOPS)
    expected, _ = _measure("ctrace", path, branch)
    monkeypatch.setenv(SWITCH, "all")
    cov = covcore.Coverage(core="sysmon", branch=branch, source=[str(tmp_path)],
                           data_file=str(tmp_path / ".covcore-sysmon"), config_file=False)
    cov.start()
    try:
        module = _import(path)
        tracer = cov._collector.tracers[0]  # type: ignore[union-attr]
        assert tracer._line_events(module.walk.__code__) == "INSTRUCTION, ambiguous"
    finally:
        cov.stop()
    data = cov.get_data()
    assert (sorted(data.lines(str(path)) or []), sorted(data.arcs(str(path)) or [])) == expected

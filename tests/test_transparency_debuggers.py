"""Transparency with debuggers, the program's own sys.monitoring tool, and nested measurement.

The same rule as tests/test_transparency.py (whose helpers these tests
use): each program runs plainly and under ``covcore run --core CORE`` on
every core, stdout, stderr and exit status must be the same, and the lines
covcore reports as executed are listed exactly.  pdb is driven for real,
with its commands on stdin.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import SYSMON_INSTR_ALL, xfail_tracing_removed_in_a_line_event
from test_transparency import SYSMON, _executed, transparent, write, xfail_on

# -- pdb --

# A generator whose lines have all run (ctrace stops their line events then)
# is resumed with a breakpoint in it: pdb must stop there.
GENERATOR_BREAKPOINT = """\
import pdb

def gen():
    for i in range(10):
        x = i * 2
        yield x

def main():
    g = gen()
    next(g)
    next(g)
    next(g)
    print("first")
    debugger = pdb.Pdb(nosigint=True)
    debugger.set_break(__file__, 5)
    debugger.runcall(next, g)
    print("done", next(g))

main()
"""


def xfail_313_breakpoint(request: pytest.FixtureRequest, core: str) -> None:
    """breakpoint() under the sysmon core on 3.13 (strict xfail: a CPython limit).

    Not with COVCORE_SYSMON_INSTR=all: a code object that has INSTRUCTION
    events of a tool gives opcode events to f_trace_opcodes too.
    """
    if sys.version_info[:2] == (3, 13) and not SYSMON_INSTR_ALL:
        xfail_on(request, core, (SYSMON,),
                 "CPython 3.13: frame.f_trace_opcodes gives no opcode events while any sys.monitoring "
                 "tool has events, and 3.13's pdb stops at breakpoint() with an opcode event "
                 "(docs/trouble.md)")


def test_pdb_breakpoint_in_a_generator_whose_lines_all_ran(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", GENERATOR_BREAKPOINT)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19],
                        stdin="continue\np i\ncontinue\n")
    assert "(5)gen()\n-> x = i * 2\n(Pdb) 3\n" in plain.stdout
    assert plain.stdout.endswith("done 8\n")


# The program's tracer starts while a generator is suspended: its next
# resumption must bring the tracer its line events.
RESUMED_GENERATOR = """\
import sys

def gen():
    for i in range(10):
        x = i * 2
        yield x

seen = []

def tracer(frame, event, arg):
    if frame.f_code.co_name == "gen":
        seen.append((event, frame.f_lineno))
        return tracer
    return None

g = gen()
for _ in range(3):
    next(g)
sys.settrace(tracer)
next(g)
sys.settrace(None)
print(seen)
"""


def test_a_resumed_generator_gives_the_program_tracer_its_lines(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", RESUMED_GENERATOR)
    # (The tracer's own lines are not measured: CPython runs it untraced.)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 3, 4, 5, 6, 8, 10, 16, 17, 18, 19, 20, 21, 22])
    assert plain.stdout == "[('call', 6), ('line', 4), ('line', 5), ('line', 6), ('return', 6)]\n"


BREAKPOINT_LINE = """\
def work():
    x = 41
    breakpoint()
    x += 1
    return x

print(work())
"""


def test_breakpoint_stops_on_its_own_line(core: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    xfail_313_breakpoint(request, core)
    write(tmp_path, "prog.py", BREAKPOINT_LINE)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 3, 4, 5, 7], stdin="p x\nnext\np x\ncontinue\n")
    assert "(Pdb) 41\n" in plain.stdout and "(Pdb) 42\n" in plain.stdout
    assert plain.stdout.endswith("42\n")


# After breakpoint(), pdb keeps the frames' state in their f_trace (3.14's
# pdb, on sys.monitoring): a breakpoint set there stops once, "return"
# stops at the return, and the lines after "continue" are measured.
BREAKPOINT_THEN_BREAK = """\
def work(n):
    x = n
    breakpoint()
    x += 1
    x += 2
    return x

def main():
    a = work(1)
    b = work(10)
    return a + b

print(main())
"""


def test_breakpoint_then_a_breakpoint_and_return(core: str, request: pytest.FixtureRequest,
                                                tmp_path: Path) -> None:
    xfail_313_breakpoint(request, core)
    write(tmp_path, "prog.py", BREAKPOINT_THEN_BREAK)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 13],
                        stdin="b 5\nc\np x\nreturn\nc\np x\nc\np x\nc\n")
    assert plain.stdout.count("(5)work()\n-> x += 2\n") == 2
    assert "--Return--\n" in plain.stdout and "(Pdb) 2\n" in plain.stdout and "(Pdb) 11\n" in plain.stdout
    assert plain.stdout.endswith("17\n")


# -- python -m pdb --

DASH_M_PDB = """\
def f(n):
    x = n + 1
    y = x * 2
    return y

total = 0
for i in range(3):
    total += f(i)
print("total", total)
"""


def test_python_dash_m_pdb(core: str, tmp_path: Path) -> None:
    # (pdb's stack starts at its own run(): "where" shows no frame of covcore's.)
    write(tmp_path, "prog.py", DASH_M_PDB)
    plain = transparent(core, tmp_path, ["-m", "pdb", "prog.py"], [1, 2, 3, 4, 6, 7, 8, 9],
                        stdin="b 3\nc\nwhere\np x\nc\np x\nreturn\nc\nc\n")
    # Three stops, and the current frame in "where".
    assert plain.stdout.count("(3)f()\n-> y = x * 2\n") == 4
    assert "(Pdb) 1\n" in plain.stdout and "(Pdb) 2\n" in plain.stdout
    assert "(8)<module>()\n-> total += f(i)\n" in plain.stdout
    assert "--Return--\n" in plain.stdout
    assert "total 12\nThe program finished and will be restarted\n" in plain.stdout
    assert "covcore" not in plain.stdout


STEP_EVERYWHERE = """\
def gen(n):
    for i in range(n):
        yield i * 2

def helper(a):
    b = a + 1
    return b * 2

def main():
    total = 0
    for v in gen(2):
        total += helper(v)
    try:
        raise ValueError("x")
    except ValueError:
        total += 1
    print("total", total)

main()
"""


def test_python_dash_m_pdb_steps_through_everything(core: str, tmp_path: Path) -> None:
    # Every call, line, return and exception event of the program, as pdb shows them.
    write(tmp_path, "prog.py", STEP_EVERYWHERE)
    plain = transparent(core, tmp_path, ["-m", "pdb", "prog.py"], [1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14,
                                                                     15, 16, 17, 19],
                        stdin="step\n" * 100)
    assert "--Call--\n" in plain.stdout and "(3)gen()->0\n" in plain.stdout
    assert "(Pdb) ValueError: x\n" in plain.stdout and "--Return--\n" in plain.stdout
    assert "(Pdb) total 9\n" in plain.stdout and "The program finished and will be restarted\n" in plain.stdout


DEBUG_COMMAND = """\
import pdb

def inner(n):
    a = n + 1
    b = a * 2
    return b

def outer():
    x = 1
    y = inner(x)
    z = y + 1
    print("z", z)
    return z

pdb.Pdb(nosigint=True).runcall(outer)
print("end")
"""


def test_pdb_debug_command(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", DEBUG_COMMAND)
    commands = "debug inner(5)\nstep\nnext\nnext\np a\ncontinue\nnext\np x\ncontinue\n"
    plain = transparent(core, tmp_path, ["prog.py"], [1, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16],
                        stdin=commands)
    assert "ENTERING RECURSIVE DEBUGGER" in plain.stdout and "((Pdb)) 6\n" in plain.stdout
    assert plain.stdout.endswith("z 5\nend\n")


# The recursive debugger after breakpoint() (3.14: both on sys.monitoring,
# the inner one's callbacks called from inside the outer one's).
DEBUG_AFTER_BREAKPOINT = """\
def inner(n):
    a = n + 1
    b = a * 2
    return b

def outer():
    x = 1
    breakpoint()
    y = inner(x)
    z = y + 1
    print("z", z)
    return z

outer()
print("end")
"""


def test_pdb_debug_command_after_breakpoint(core: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    xfail_313_breakpoint(request, core)
    write(tmp_path, "prog.py", DEBUG_AFTER_BREAKPOINT)
    commands = "debug inner(5)\nb inner\nc\np n\nnext\np a\nc\nnext\np x\nc\n"
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 14, 15], stdin=commands)
    assert "((Pdb)) 5\n((Pdb)) > " in plain.stdout and "((Pdb)) 6\n((Pdb)) LEAVING RECURSIVE DEBUGGER\n" in plain.stdout
    assert plain.stdout.endswith("(Pdb) 1\n(Pdb) z 5\nend\n")


JUMP = """\
import pdb

def f():
    a = 1
    if a:
        b = 2
    else:
        b = 3
    return b

print(pdb.Pdb(nosigint=True).runcall(f))
"""


def test_a_line_reached_by_pdb_jump_is_recorded(core: str, request: pytest.FixtureRequest,
                                               tmp_path: Path) -> None:
    xfail_on(request, core, (SYSMON,),
             "sys.monitoring gives no LINE event for the line a settrace debugger jumps to (the jump "
             "is made inside the LINE event of the line it leaves; docs/trouble.md)")
    write(tmp_path, "prog.py", JUMP)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 3, 4, 5, 6, 8, 9, 11],
                        stdin="next\nnext\njump 8\nnext\np b\ncontinue\n")
    assert plain.stdout.endswith("3\n")


CONTINUE = """\
import pdb

def work():
    a = 1
    b = a + 1
    c = b + 1
    return c

def main():
    value = pdb.Pdb(nosigint=True).runcall(work)
    doubled = value * 2
    return doubled

result = main()
print(result)
"""


def test_the_rest_is_measured_after_pdb_continue(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", CONTINUE)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15],
                        stdin="next\ncontinue\n")
    assert plain.stdout.endswith("6\n")


# pdb's stack after breakpoint() goes down to the outermost frame: the
# program's module frame, with no frame of covcore's runner below it.
WHERE = """\
def work():
    breakpoint()
    return 1

work()
"""


def test_pdb_where_shows_only_the_program(core: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    xfail_313_breakpoint(request, core)
    xfail_tracing_removed_in_a_line_event(request, core, versions=((3, 12),))
    write(tmp_path, "prog.py", WHERE)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 3, 5], stdin="where\nup\nup\ncontinue\n")
    assert "(Pdb)   " + str(tmp_path / "prog.py") + "(5)<module>()\n-> work()\n" in plain.stdout
    assert "(Pdb) *** Oldest frame\n" in plain.stdout


# -- The program's own sys.monitoring tool (3.12+) --

FREE_EVERY_TOOL = """\
import sys
mon = sys.monitoring

def f(n):
    return n + 1

print(f(1))
for tool in range(6):
    mon.free_tool_id(tool)
print(f(2))

def g():
    return 5

print(g())
mon.use_tool_id(3, "mine")
seen = []
mon.register_callback(3, mon.events.PY_START, lambda code, offset: seen.append(code.co_name))
mon.set_events(3, mon.events.PY_START)
g()
mon.set_events(3, 0)
mon.free_tool_id(3)
print(seen)
"""


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is new in 3.12")
def test_a_program_that_frees_every_tool_id(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", FREE_EVERY_TOOL)
    every = [1, 2, 4, 5, 7, 8, 9, 10, 12, 13, 15, 16, 17, 18, 19, 20, 21, 22, 23]
    if core == SYSMON:
        # The sysmon core held tool 3: it stops there, with one warning.  On
        # 3.12 and 3.13 free_tool_id leaves the tool's events on, and covcore
        # notices at its next sys.monitoring call (g's first start).
        seen = every[:7] if sys.version_info >= (3, 14) else every[:8] + [12, 15]
        plain = transparent(core, tmp_path, ["prog.py"], seen, warning=(
            "the program freed the sys.monitoring tool id the sysmon core was using; measurement "
            "stopped there (what ran before is saved; see docs/trouble.md)"))
    else:
        plain = transparent(core, tmp_path, ["prog.py"], every)
    assert plain.stdout == "2\n3\n5\n['g']\n"


OWN_TOOL = """\
import sys
mon = sys.monitoring
TOOL = 2

def work():
    total = 0
    for i in range(3):
        total += i
    return total

lines = []
mon.use_tool_id(TOOL, "mine")
mon.register_callback(TOOL, mon.events.LINE, lambda code, line: lines.append(line))
mon.set_local_events(TOOL, work.__code__, mon.events.LINE)
work()
mon.set_local_events(TOOL, work.__code__, 0)
mon.free_tool_id(TOOL)
print(lines)
"""


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is new in 3.12")
def test_the_program_own_monitoring_tool(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", OWN_TOOL)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 3, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18])
    assert plain.stdout == "[6, 7, 8, 7, 8, 7, 8, 7, 9]\n"


# What the program's callbacks see: the callback it registered before, the
# frame of the event one level up, that frame's f_trace as it left it (None;
# pytrace keeps its own there while the program runs), and DISABLE obeyed.
CALLBACK_VIEW = """\
import sys
mon = sys.monitoring
TOOL = 4
seen = []

def first(code, line):
    seen.append(("first", line, sys._getframe(1).f_code.co_name))

def second(code, line):
    frame = sys._getframe(1)
    seen.append(("second", line, frame.f_code.co_name, frame.f_trace, frame.f_trace_lines))
    return mon.DISABLE

def work():
    a = 1
    return a

mon.use_tool_id(TOOL, "mine")
print(mon.register_callback(TOOL, mon.events.LINE, first))
mon.set_local_events(TOOL, work.__code__, mon.events.LINE)
work()
print(mon.register_callback(TOOL, mon.events.LINE, second) is first)
work()
work()
print(mon.register_callback(TOOL, mon.events.LINE, None) is second)
mon.set_local_events(TOOL, work.__code__, 0)
mon.free_tool_id(TOOL)
print(seen)
"""


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring is new in 3.12")
def test_what_the_program_monitoring_callbacks_see(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", CALLBACK_VIEW)
    # (The callbacks' lines are not measured: CPython runs them untraced.)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 3, 4, 6, 9, 14, 15, 16] + list(range(18, 29)))
    assert plain.stdout == (
        "None\nTrue\nTrue\n[('first', 15, 'work'), ('first', 16, 'work'), "
        "('second', 15, 'work', None, True), ('second', 16, 'work', None, True)]\n")


# -- Nested measurement --

NESTED = """\
import {module}

def inner_work(n):
    a = n + 1
    return a * 2

def outer_work():
    return 7

cov = {module}.Coverage(data_file=".inner")
cov.start()
inner_work(1)
cov.stop()
cov.save()
print(sorted(cov.get_data().lines(__file__)))
print(outer_work())
"""


@pytest.mark.parametrize("module", ["covcore", "coverage"])
def test_a_coverage_started_and_stopped_inside(core: str, module: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", NESTED.format(module=module))
    plain = transparent(core, tmp_path, ["prog.py"], None)
    # The inner measurement saw its lines (4, 5; the sysmon core, 12 and 13 too).
    assert plain.stdout.startswith("[4, 5") and plain.stdout.endswith("]\n7\n")
    # The outer one pauses while the inner one runs, and resumes; covcore's
    # and coverage.py's measurements run side by side when one of them uses
    # sys.monitoring and the other sys.settrace: they don't meet.
    paused = [1, 3, 7, 8, 10, 11, 14, 15, 16]
    side_by_side = [1, 3, 4, 5, 7, 8, 10, 11, 12, 13, 14, 15, 16]
    # coverage.py 7.18 measures with sys.monitoring on 3.14+ only.
    coverage_sysmon = sys.version_info >= (3, 14)
    expected = side_by_side if module == "coverage" and (core == SYSMON or coverage_sysmon) else paused
    assert _executed(tmp_path, "prog.py") == expected

"""A program's own trace and profile functions work beside covcore.

Each program prints what its tracer or profiler saw; the output under
``covcore run`` must equal the output under plain ``python``, on every core,
and covcore's measurement of the program must be complete and exact.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import covcore
from conftest import run_covcore, xfail_tracing_removed_in_a_line_event

LINE_COUNTER = """\
import sys
seen = []

def local(frame, event, arg):
    seen.append((event, frame.f_lineno))
    return local

def global_trace(frame, event, arg):
    if frame.f_code.co_name == "target":
        seen.append(("call", frame.f_lineno))
        return local
    return None

def target(n):
    total = 0
    for i in range(n):
        total += i
    return total

old = sys.gettrace()
sys.settrace(global_trace)
same = sys.gettrace() is global_trace
target(2)
sys.settrace(old)
after = sys.gettrace() is old
print(same, after, seen)
target(1)
"""

PROFILER = """\
import sys
events = []

def label(frame):
    return frame.f_code.co_name.upper()

def profiler(frame, event, arg):
    if frame.f_code.co_name in ("work", "label"):
        events.append((event, label(frame)))

def work():
    return sorted([3, 1, 2])

sys.setprofile(profiler)
same = sys.getprofile() is profiler
work()
sys.setprofile(None)
print(same, events)
"""

# threading.setprofile_all_threads (3.12+): the running threads and the new ones.
# covcore doesn't import threading; the program does, after covcore started.
PROFILER_ALL_THREADS = """\
import sys, threading
events = []

def label(frame):
    return frame.f_code.co_name.upper()

def profiler(frame, event, arg):
    if frame.f_code.co_name == "work":
        if threading.current_thread() is threading.main_thread():
            events.append(("main", event, label(frame)))
        else:
            events.append(("other", event, label(frame)))

def work():
    return sorted([3, 1, 2])

threading.setprofile_all_threads(profiler)
work()
t = threading.Thread(target=work)
t.start()
t.join()
threading.setprofile_all_threads(None)
print(sys.getprofile() is None, sorted(events))
"""

# The DecoratorTools technique: look at the caller's frame, install a
# temporary trace function to catch the next event there, then restore
# whatever was there before.
FIDDLER = """\
import sys

caught = []

def catch_next_line():
    frame = sys._getframe(1)
    old_local = frame.f_trace
    old_global = sys.gettrace()

    def temporary(frm, event, arg):
        if frm is frame and event == "line":
            caught.append(frm.f_lineno)
            frame.f_trace = old_local
            sys.settrace(old_global)
            return old_local
        return temporary

    frame.f_trace = temporary
    sys.settrace(temporary)

def decorated_module_code():
    catch_next_line()
    value = 10
    value += 1
    return value

result = decorated_module_code()
restored = sys.gettrace() is None
print(result, caught, restored)
"""

# Everything but the temporary tracer's body (CPython runs it untraced).  The
# Python tracer, which lives in frame.f_trace, takes the frame's f_trace back
# when the program calls sys.settrace, and chains the fiddler's function.
FIDDLER_LINES = [1, 3, 5, 6, 7, 8, 10, 18, 19, 21, 22, 23, 24, 25, 27, 28, 29]

RAISING_TRACER = """\
import sys

def bad(frame, event, arg):
    if event == "line":
        raise RuntimeError("tracer broke")
    return bad

def f():
    return 1

sys.settrace(bad)
try:
    f()
except RuntimeError as exc:
    print("caught", exc, sys.gettrace())
print("after", f())
"""


def _plain(tmp_path: Path, name: str) -> str:
    result = subprocess.run([sys.executable, name], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _run_measured(core: str, tmp_path: Path, name: str,
                  branch: bool = True) -> tuple[subprocess.CompletedProcess[str], list[int]]:
    args = ["run", "--core", core] + (["--branch"] if branch else []) + [name]
    result = run_covcore(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    return result, sorted(data.lines(str(tmp_path / name)) or [])


def _measured(core: str, tmp_path: Path, name: str, branch: bool = True) -> tuple[str, list[int]]:
    result, lines = _run_measured(core, tmp_path, name, branch)
    return result.stdout, lines


def test_a_line_counting_tracer_with_set_and_restore(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", LINE_COUNTER)
    expected = _plain(tmp_path, "prog.py")
    assert expected.startswith("True True [('call', 14), ('line', 15)")
    out, lines = _measured(core, tmp_path, "prog.py")
    assert out == expected
    # Everything but the trace functions' own bodies (CPython runs them untraced).
    assert lines == [1, 2, 4, 8, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27]


# threading.settrace reaching new threads: tests/test_transparency.py::test_threading_settrace.

def test_profile_function_code_is_measured(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", PROFILER)
    expected = _plain(tmp_path, "prog.py")
    out, lines = _measured(core, tmp_path, "prog.py")
    assert out == expected
    # The profiler (lines 8-9) and what it calls (line 5) ran and are measured.
    assert lines == [1, 2, 4, 5, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18]


@pytest.mark.skipif(sys.version_info < (3, 12), reason="threading.setprofile_all_threads is new in 3.12")
def test_profile_function_of_all_threads_is_measured(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", PROFILER_ALL_THREADS)
    expected = _plain(tmp_path, "prog.py")
    assert expected.startswith("True [")
    assert "('main', 'call', 'WORK')" in expected and "('other', 'call', 'WORK')" in expected
    out, lines = _measured(core, tmp_path, "prog.py")
    assert out == expected
    # The profiler ran in the running thread (line 10) and in the new one
    # (line 12), measured with what it calls (line 5).
    assert lines == [1, 2, 4, 5, 7, 8, 9, 10, 12, 14, 15, 17, 18, 19, 20, 21, 22, 23]


def test_trace_fiddler_without_timid(core: str, tmp_path: Path, make_file: Any,
                                    request: pytest.FixtureRequest) -> None:
    xfail_tracing_removed_in_a_line_event(request, core)
    make_file("prog.py", FIDDLER)
    expected = _plain(tmp_path, "prog.py")
    assert expected == "11 [23] True\n"
    result, lines = _run_measured(core, tmp_path, "prog.py")
    assert result.stdout == expected
    assert lines == FIDDLER_LINES
    assert result.stderr == ""


def test_trace_fiddler_with_timid(tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", FIDDLER)
    result = run_covcore(["run", "--timid", "prog.py"], cwd=tmp_path)
    assert result.stdout == "11 [23] True\n"
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert sorted(data.lines(str(tmp_path / "prog.py")) or []) == FIDDLER_LINES


def test_a_raising_tracer_behaves_as_without_covcore(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", RAISING_TRACER)
    expected = _plain(tmp_path, "prog.py")
    assert expected == "caught tracer broke None\nafter 1\n"
    result, lines = _run_measured(core, tmp_path, "prog.py")
    assert result.stdout == expected
    # pytrace: the exception leaves the Python tracer's own trace function,
    # and CPython removes it; the next profile event puts it back.
    assert lines == [1, 3, 8, 9, 11, 12, 13, 14, 15, 16]
    assert result.stderr == ""


def test_pdb_driven_through_stdin(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", """\
        def add(a, b):
            total = a + b
            return total

        import pdb
        pdb.Pdb(nosigint=True).runcall(add, 2, 3)
        print("done")
        """)
    commands = "next\np total\nnext\np total\ncontinue\n"
    plain = subprocess.run([sys.executable, "prog.py"], cwd=tmp_path, input=commands,
                           capture_output=True, text=True, timeout=60)
    result = run_covcore(["run", "--core", core, "--branch", "prog.py"], cwd=tmp_path, input=commands)
    assert result.returncode == 0, result.stderr
    assert result.stdout == plain.stdout
    assert "5\n" in result.stdout and result.stdout.rstrip().endswith("done")
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert sorted(data.lines(str(tmp_path / "prog.py")) or []) == [1, 2, 3, 5, 6, 7]

"""Transparency with the profilers and tracers next door (test extras).

The same rule as tests/test_transparency.py (whose helpers these tests
use): each program runs plainly and under ``covcore run --core CORE`` on
every core, stdout, stderr and exit status must be the same, and the lines
covcore reports as executed are listed exactly.  Each profiler prints what
it saw, unfiltered where its output is deterministic: a frame or a call of
covcore's would change it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from test_transparency import SYSMON, WORK, WORK_LINES, transparent, write

# -- yappi: a C profiler (PyEval_SetProfile, every thread) --

YAPPI = WORK + """
import os
import yappi

yappi.set_clock_type("cpu")
yappi.start()
work()
yappi.stop()
print(sorted((s.name, os.path.basename(s.module), s.ncall) for s in yappi.get_func_stats()))
print(len(yappi.get_thread_stats()))
print(work())
"""


def test_yappi(core: str, tmp_path: Path) -> None:
    pytest.importorskip("yappi", reason="yappi is a test extra")
    write(tmp_path, "prog.py", YAPPI)
    lines = WORK_LINES + [10, 11, 13, 14, 15, 16, 17, 18, 19]
    if sys.version_info < (3, 11) and core != SYSMON:
        # yappi's stop() on 3.10 clears the thread's tracing flag by hand
        # (cframe->use_tracing = 0): every settrace tracer stops there, the
        # program's own too (docs/trouble.md).
        lines = lines[:-3]
    plain = transparent(core, tmp_path, ["prog.py"], lines)
    assert plain.stdout == "[('leaf', 'prog.py', 3), ('work', 'prog.py', 1)]\n1\n6\n"


# -- pyinstrument: a sampling profiler (PyEval_SetProfile from its C extension) --

PYINSTRUMENT = WORK + """
import time
from pyinstrument import Profiler

profiler = Profiler(interval=0.0001)
profiler.start()
start = time.perf_counter()
while time.perf_counter() - start < 0.1:
    work()
session = profiler.stop()

def functions(frame, found):
    if frame.file_path == __file__:
        found.add(frame.function)
    for child in frame.children:
        functions(child, found)
    return found

# (Which of the short functions a sample lands in, and the samples taken
# in pyinstrument's own stop(), depend on timing; 0.1 s of calls to work()
# at 0.1 ms intervals leave none out.)
print(session.sample_count > 0, sorted(functions(session.root_frame(), set()) & {"<module>", "work"}))
print(work())
"""


def test_pyinstrument(core: str, tmp_path: Path) -> None:
    pytest.importorskip("pyinstrument", reason="pyinstrument is a test extra")
    write(tmp_path, "prog.py", PYINSTRUMENT)
    plain = transparent(core, tmp_path, ["prog.py"], WORK_LINES + [10, 11, 13, 14, 15, 16, 17, 18, 20, 21, 22,
                                                                   23, 24, 25, 30, 31])
    assert plain.stdout == "True ['<module>', 'work']\n6\n"


# -- viztracer: every call and return, written to a JSON trace --

VIZTRACER = WORK + """
import json
import os
from viztracer import VizTracer

tracer = VizTracer(output_file="trace.json", verbose=0)
tracer.start()
work()
tracer.stop()
tracer.save()
with open("trace.json") as f:
    events = json.load(f)["traceEvents"]
os.remove("trace.json")
here = os.path.dirname(__file__) + os.sep
print(sorted(e["name"].replace(here, "") for e in events if e.get("ph") == "X"))
print(work())
"""


def test_viztracer(core: str, tmp_path: Path) -> None:
    pytest.importorskip("viztracer", reason="viztracer is a test extra")
    write(tmp_path, "prog.py", VIZTRACER)
    plain = transparent(core, tmp_path, ["prog.py"], WORK_LINES + [10, 11, 12] + list(range(14, 25)))
    assert plain.stdout == "['leaf (prog.py:1)', 'leaf (prog.py:1)', 'leaf (prog.py:1)', 'work (prog.py:4)']\n6\n"


# -- snoop: a settrace line tracer, as a decorator and as a with block --

SNOOP = """\
import sys
import snoop

config = snoop.Config(out=sys.stdout, color=False, columns=(), prefix="")

@config.snoop
def snooped(n):
    doubled = n * 2
    return doubled

def with_block(n):
    a = n + 1
    with config.snoop():
        b = a * 2
    c = b + 1
    return c

print(snooped(3))
print(with_block(1))
"""


def test_snoop(core: str, tmp_path: Path) -> None:
    pytest.importorskip("snoop", reason="snoop is a test extra")
    write(tmp_path, "prog.py", SNOOP)
    # The lines after the with block (15, 16) are measured too.
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 4, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 18, 19])
    assert "    8 |     doubled = n * 2\n .......... doubled = 6\n" in plain.stdout
    assert " <<< Exit with block in with_block\n5\n" in plain.stdout


# -- threading.settrace_all_threads (3.12+): the running threads too --

SETTRACE_ALL_THREADS = """\
import threading

seen = []
lock = threading.Lock()
ready = threading.Event()
go = threading.Event()

def tracer(frame, event, arg):
    if frame.f_code.co_name == "work":
        with lock:
            seen.append((threading.current_thread().name, event, frame.f_lineno))
        return tracer
    return None

def work(n):
    m = n + 1
    return m

def waiter():
    ready.set()
    go.wait()
    return work(1)

t = threading.Thread(target=waiter, name="T")
t.start()
ready.wait()
threading.settrace_all_threads(tracer)
go.set()
t.join()
work(2)
threading.settrace_all_threads(None)
print(threading.gettrace(), sorted(seen))
"""


@pytest.mark.skipif(sys.version_info < (3, 12), reason="threading.settrace_all_threads is new in 3.12")
def test_threading_settrace_all_threads(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", SETTRACE_ALL_THREADS)
    # The tracer's lines (9-13) are never measured: CPython runs it untraced.
    plain = transparent(core, tmp_path, ["prog.py"], [1, 3, 4, 5, 6, 8, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26,
                                                      27, 28, 29, 30, 31, 32])
    events = [("call", 15), ("line", 16), ("line", 17), ("return", 17)]
    expected = [("MainThread",) + e for e in events] + [("T",) + e for e in events]
    assert plain.stdout == f"None {expected}\n"

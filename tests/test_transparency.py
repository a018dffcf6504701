"""Transparency: a measured program behaves exactly as it does unmeasured.

Each case is a small real program that uses Python's tracing machinery (or
ends in a way that a runner can get wrong).  It runs as a subprocess twice:
plainly (``python prog.py``) and under ``covcore run --core CORE`` on every
core of this Python.  The two runs must print the same stdout and stderr and
end with the same exit status (or die of the same signal); covcore writes no
warnings in any of these cases.  Then the lines that ``covcore json`` reports
as executed in the program must be exactly the ones listed.

Lines of a program's trace functions are never measured: CPython runs them
with tracing switched off.  Lines of its profile functions are (covcore runs
them with tracing on; docs/trouble.md).
"""

from __future__ import annotations

import json
import os
import pstats
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

SYSMON = "sysmon"
SETTRACE_CORES = ("ctrace", "pytrace")


#: Tools installed outside site-packages (the Makefile's isolated-tools): hunter.
ISOLATED_TOOLS = Path(sys.prefix) / "isolated-tools"


def _env(extra: Optional[dict[str, str]] = None) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("COVCORE_CORE", "COVCORE_FILE", "COVCORE_PROCESS", "PYTHONWARNINGS"):
        env.pop(name, None)
    env.update(extra or {})
    return env


def _run(argv: list[str], cwd: Path, timeout: float, env: Optional[dict[str, str]] = None,
         stdin: Optional[str] = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=_env(env), capture_output=True, text=True, timeout=timeout,
                          input=stdin)


def _executed(tmp_path: Path, name: str) -> list[int]:
    report = _run([sys.executable, "-m", "covcore", "json", "-o", "-"], tmp_path, 120)
    assert report.returncode == 0, report.stderr
    files = json.loads(report.stdout)["files"]
    for key, info in files.items():
        if os.path.abspath(os.path.join(tmp_path, key)) == str(tmp_path / name):
            return list(info["executed_lines"])
    raise AssertionError(f"{name} not in the report: {sorted(files)}")


def transparent(
    core: str, tmp_path: Path, argv: list[str], lines: Optional[list[int]], *,
    measured_file: str = "prog.py", timeout: float = 60,
    after: Optional[Callable[[Path], Any]] = None, env: Optional[dict[str, str]] = None,
    stdin: Optional[str] = None, warning: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGV`` and ``covcore run --core CORE ARGV``; they must look the same.

    `after(tmp_path)`, if given, is called after each run and what it
    returns must be the same too (for files the program writes).  `lines`
    are the executed lines of `measured_file` that covcore must report.
    `stdin` is the input of both runs; `warning`, the one line covcore
    must add to stderr (a case it can't measure to the end).
    """
    plain = _run([sys.executable, *argv], tmp_path, timeout, env, stdin)
    plain_after = after(tmp_path) if after is not None else None
    measured = _run([sys.executable, "-m", "covcore", "run", "--core", core, *argv], tmp_path, timeout, env,
                    stdin)
    assert measured.stderr == plain.stderr + (f"covcore: warning: {warning}\n" if warning else "")
    assert measured.stdout == plain.stdout
    assert measured.returncode == plain.returncode
    if after is not None:
        assert after(tmp_path) == plain_after
    if lines is not None:
        assert _executed(tmp_path, measured_file) == lines
    return plain


def write(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(textwrap.dedent(text))


def xfail_on(request: pytest.FixtureRequest, core: str, cores: tuple[str, ...], reason: str) -> None:
    """Expect this test to fail on `cores` (strictly: it must fail there)."""
    if core in cores:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


# -- Profilers --

WORK = """\
def leaf(n):
    return n * 2

def work():
    total = 0
    for i in range(3):
        total += leaf(i)
    return total
"""

WORK_LINES = [1, 2, 4, 5, 6, 7, 8]


def _profile_summary(stats: dict[Any, Any]) -> list[tuple[str, str, int]]:
    """Each profiled function's file (base name), name and call count: no timings."""
    return sorted(
        (os.path.basename(file), re.sub(" at 0x[0-9a-f]+", "", str(name)), value[1])
        for (file, _line, name), value in stats.items()
    )


PROFILE_RUNCALL = WORK + """
import os, re
import {module}

p = {module}.Profile()
result = p.runcall(work)
p.create_stats()
print(result, sorted((os.path.basename(f), re.sub(" at 0x[0-9a-f]+", "", str(name)), v[1])
                     for (f, _, name), v in p.stats.items()))
"""


def test_stdlib_profile_runcall(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", PROFILE_RUNCALL.format(module="profile"))
    plain = transparent(core, tmp_path, ["prog.py"], WORK_LINES + [10, 11, 13, 14, 15, 16])
    # The profiler saw sys.setprofile(None) as a C call, like every other call of the program.
    assert plain.stdout.startswith("6 [('', 'setprofile', 1), ")
    assert "('prog.py', 'leaf', 3), ('prog.py', 'work', 1)" in plain.stdout


def test_cprofile_runcall(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", PROFILE_RUNCALL.format(module="cProfile"))
    plain = transparent(core, tmp_path, ["prog.py"], WORK_LINES + [10, 11, 13, 14, 15, 16])
    assert "('prog.py', 'leaf', 3)" in plain.stdout


EVERY_PROFILE_EVENT = """\
import sys
events = []

def profiler(frame, event, arg):
    name = arg.__name__ if event.startswith("c_") else frame.f_code.co_name
    events.append((event, name, frame.f_code.co_name))

def work():
    return len([1])

sys.setprofile(profiler)
work()
same = sys.getprofile() is profiler
sys.setprofile(None)
print(same, events)
"""


def test_a_profile_function_gets_exactly_the_events_it_would(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", EVERY_PROFILE_EVENT)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 4, 5, 6, 8, 9, 11, 12, 13, 14, 15])
    assert "('c_call', 'getprofile', '<module>')" in plain.stdout
    assert "('c_call', 'setprofile', '<module>')" in plain.stdout


def _stats_file(tmp_path: Path) -> list[tuple[str, str, int]]:
    path = tmp_path / "out.prof"
    summary = _profile_summary(pstats.Stats(str(path)).stats)  # type: ignore[attr-defined]
    path.unlink()
    return summary


@pytest.mark.parametrize("module", ["profile", "cProfile"])
def test_python_dash_m_profile(core: str, module: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", WORK + "\nprint(work())\n")
    plain = transparent(
        core, tmp_path, ["-m", module, "-o", "out.prof", "prog.py"], WORK_LINES + [10],
        after=_stats_file,
    )
    assert plain.stdout == "6\n"


# -- Tracers --

TRACE_RUNFUNC = WORK + """
import trace

tracer = trace.Trace(trace=1, count=0)
print(tracer.runfunc(work))
"""


def test_stdlib_trace_runfunc_shows_only_the_program(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", TRACE_RUNFUNC)
    plain = transparent(core, tmp_path, ["prog.py"], WORK_LINES + [10, 12, 13])
    assert " --- modulename: prog, funcname: work" in plain.stdout
    assert "tracehooks" not in plain.stdout


TRACE_AND_PROFILE_LOCK = """\
import sys
import threading

lock = threading.Lock()
seen = []

def tracer(frame, event, arg):
    with lock:
        seen.append(("trace", event, frame.f_code.co_name))
    return tracer

def profiler(frame, event, arg):
    with lock:
        if event in ("call", "return"):
            seen.append(("profile", event, frame.f_code.co_name))

def work():
    value = 1
    return value + 1

sys.settrace(tracer)
sys.setprofile(profiler)
work()
sys.setprofile(None)
sys.settrace(None)
print(seen)
"""


def test_trace_and_profile_functions_sharing_a_lock(core: str, request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    write(tmp_path, "prog.py", TRACE_AND_PROFILE_LOCK)
    # The profiler's lines (13-15) are measured; the tracer's never are.
    plain = transparent(core, tmp_path, ["prog.py"],
                        [1, 2, 4, 5, 7, 12, 13, 14, 15, 17, 18, 19, 21, 22, 23, 24, 25, 26],
                        timeout=20)
    assert "('trace', 'line', 'work')" in plain.stdout


# The DecoratorTools technique (peak.util.decorators.decorate_assignment):
# chain to the caller frame's trace function, whatever it is, and restore it.
DECORATOR_TOOLS = """\
import sys

def on_next_assignment(callback):
    frame = sys._getframe(1)
    oldtrace = [frame.f_trace]
    old_locals = dict(frame.f_locals)

    def tracer(frm, event, arg):
        if event == "call":
            if oldtrace[0]:
                return oldtrace[0](frm, event, arg)
            return None
        try:
            if frm is frame and event != "exception":
                for k, v in frame.f_locals.items():
                    if k not in old_locals or old_locals[k] is not v:
                        break
                else:
                    return tracer
                callback(k, v)
        finally:
            if oldtrace[0]:
                oldtrace[0] = oldtrace[0](frm, event, arg)
        uninstall()
        return oldtrace[0]

    def uninstall():
        frame.f_trace = oldtrace[0]
        sys.settrace(oldtrace[0])

    frame.f_trace = tracer
    sys.settrace(tracer)

found = []

def body():
    on_next_assignment(lambda k, v: found.append((k, v)))
    x = 42
    y = x + 1
    return y

print(body(), found, sys.gettrace())
"""


def test_decorator_tools_technique(core: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", DECORATOR_TOOLS)
    plain = transparent(core, tmp_path, ["prog.py"],
                        [1, 3, 4, 5, 6, 8, 27, 31, 32, 34, 36, 37, 38, 39, 40, 42])
    assert plain.stdout == "43 [('x', 42)] None\n"


READ_BACK = """\
import sys

def tracer(frame, event, arg):
    return tracer

def own_frame_trace():
    return sys._getframe().f_trace

print(sys.gettrace(), sys._getframe().f_trace, own_frame_trace())
sys.settrace(tracer)
print(sys.gettrace() is tracer, own_frame_trace() is tracer)
sys.settrace(None)
print(sys.gettrace(), own_frame_trace())
"""


def test_gettrace_and_frame_trace_read_back_what_the_program_set(
        core: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    xfail_on(request, core, ("pytrace",),
             "frame.f_trace of the program's frames is covcore's tracer, not None or the "
             "program's function: the Python tracer gets its line events only through f_trace")
    write(tmp_path, "prog.py", READ_BACK)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 3, 6, 7, 9, 10, 11, 12, 13])
    assert plain.stdout == "None None None\nTrue True\nNone None\n"


THREADING_SETTRACE = """\
import threading
seen = []

def tracer(frame, event, arg):
    if frame.f_code.co_name == "work":
        seen.append((event, frame.f_lineno))
        return tracer
    return None

def work():
    x = 1
    return x

threading.settrace(tracer)
same = threading.gettrace() is tracer
t = threading.Thread(target=work)
t.start()
t.join()
threading.settrace(None)
print(same, seen)
"""


def test_threading_settrace(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", THREADING_SETTRACE)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 4, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20])
    assert plain.stdout == "True [('call', 10), ('line', 11), ('line', 12), ('return', 12)]\n"


# -- How the program ends --

KEYBOARD_INTERRUPT = """\
def main():
    print("working", flush=True)
    raise KeyboardInterrupt

main()
print("not reached")
"""


def test_uncaught_keyboard_interrupt_dies_by_sigint(core: str, request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    write(tmp_path, "prog.py", KEYBOARD_INTERRUPT)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 3, 5])
    assert plain.returncode == -2
    assert plain.stderr.endswith("KeyboardInterrupt\n")


AT_EXIT = """\
import atexit
import weakref

class Thing:
    pass

def finalized(name):
    print("finalized", name)

def at_exit():
    print("at exit")

thing = Thing()
weakref.finalize(thing, finalized, "thing")
atexit.register(at_exit)
print("main done")
"""


def test_atexit_handlers_and_finalizers_are_measured(core: str, request: pytest.FixtureRequest,
                                                    tmp_path: Path) -> None:
    write(tmp_path, "prog.py", AT_EXIT)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 15, 16])
    assert plain.stdout == "main done\nat exit\nfinalized thing\n"


# -- Neighbours --

FAULTHANDLER = """\
import faulthandler
import sys

def where():
    faulthandler.dump_traceback(file=sys.stdout, all_threads=False)

faulthandler.enable()
print(faulthandler.is_enabled(), flush=True)
where()
faulthandler.disable()
"""


def test_faulthandler(core: str, tmp_path: Path) -> None:
    # (The dump ends at the program's module frame, as under plain Python.)
    write(tmp_path, "prog.py", FAULTHANDLER)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 4, 5, 7, 8, 9, 10])
    assert plain.stdout.startswith("True\nStack (most recent call first):\n")


TRACEMALLOC = """\
import tracemalloc

def allocate():
    return [bytes(1000) for _ in range(50)]

tracemalloc.start()
kept = allocate()
snapshot = tracemalloc.take_snapshot()
tracemalloc.stop()
mine = snapshot.filter_traces([tracemalloc.Filter(True, __file__)])
print(sorted((t.traceback[0].lineno, t.size >= 1000) for t in mine.traces if t.size >= 1000))
"""


def test_tracemalloc(core: str, tmp_path: Path) -> None:
    write(tmp_path, "prog.py", TRACEMALLOC)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 3, 4, 6, 7, 8, 9, 10, 11])
    assert plain.stdout == "[" + ", ".join(["(4, True)"] * 50) + "]\n"


# -- Third-party tools (test extras) --

HUNTER = WORK + """
import hunter

events = []
with hunter.trace(hunter.Q(module="__main__", function="leaf", kind="line"),
                  action=lambda event: events.append(event.lineno)):
    work()
print(events)
print(work())
"""


def test_hunter(core: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if not (ISOLATED_TOOLS / "hunter").is_dir():
        pytest.skip(f"hunter is not installed in {ISOLATED_TOOLS} (make's test install puts it there)")
    write(tmp_path, "prog.py", HUNTER)
    # Measuring goes on after hunter stops (16, 17).  What ran while hunter
    # held the trace function (15) only the sysmon core sees: hunter's
    # tracer calls no other.
    lines = WORK_LINES + [10, 12, 13, 15, 16, 17] if core == SYSMON else WORK_LINES + [10, 12, 13, 16, 17]
    plain = transparent(core, tmp_path, ["prog.py"], lines, env={"PYTHONPATH": str(ISOLATED_TOOLS)})
    assert plain.stdout == "[2, 2, 2]\n6\n"


PYSNOOPER = """\
import sys
import pysnooper

def out(text):
    print("\\n".join(line for line in text.splitlines() if "Elapsed time" not in line))

@pysnooper.snoop(output=out, normalize=True, color=False)
def snooped(n):
    doubled = n * 2
    return doubled

def with_block(n):
    a = n + 1
    with pysnooper.snoop(output=out, normalize=True, color=False):
        b = a * 2
    c = b + 1
    return c

print(snooped(3))
print(with_block(1))
"""


def test_pysnooper(core: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    pytest.importorskip("pysnooper", reason="PySnooper is a test extra")
    write(tmp_path, "prog.py", PYSNOOPER)
    plain = transparent(core, tmp_path, ["prog.py"], [1, 2, 4, 5, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 19, 20])
    assert "doubled = n * 2" in plain.stdout


LINE_PROFILER = WORK + """
from line_profiler import LineProfiler

lp = LineProfiler(work)
lp.runcall(work)
for (_file, _line, name), timings in sorted(lp.get_stats().timings.items()):
    print(name, [(line, hits) for line, hits, _time in timings])
print(work())
"""


def test_line_profiler(core: str, tmp_path: Path) -> None:
    pytest.importorskip("line_profiler", reason="line_profiler is a test extra")
    write(tmp_path, "prog.py", LINE_PROFILER)
    plain = transparent(core, tmp_path, ["prog.py"], WORK_LINES + [10, 12, 13, 14, 15, 16])
    assert plain.stdout == "work [(5, 1), (6, 4), (7, 3), (8, 1)]\n6\n"

"""The sys.monitoring core: tool ids, clean stops, threads, other tracers.

These behaviours belong to sys.monitoring, so they exist only on 3.12+.
"""

from __future__ import annotations

import sys
import threading
import _thread
from pathlib import Path
from typing import Any

import pytest

import covcore
from test_tracer import _import

pytestmark = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring needs Python 3.12")


def _tools() -> dict[int, str]:
    return {i: name for i in range(6) if (name := sys.monitoring.get_tool(i)) is not None}


def _cov(path: Path, branch: bool = False) -> covcore.Coverage:
    return covcore.Coverage(core="sysmon", branch=branch, source=[str(path.parent)],
                            data_file=str(path.parent / ".covcore"), config_file=False)


def test_uses_a_free_tool_id_and_frees_it(make_file: Any) -> None:
    path = make_file("mod.py", "x = 1\n")
    before = _tools()
    cov = _cov(path)
    cov.start()
    during = _tools()
    cov.stop()
    assert [name for i, name in during.items() if i not in before] == ["covcore"]
    assert _tools() == before


def test_stop_leaves_no_events_behind(make_file: Any) -> None:
    # (f keeps an arc unrecorded: code whose arcs are all recorded has its
    # local events switched off already while measuring.)
    path = make_file("mod.py", """\
        def f(x):
            if x:
                return 1
            return 2
        """)
    cov = _cov(path, branch=True)
    cov.start()
    module = _import(path)
    module.f(1)
    tool = next(i for i, name in _tools().items() if name == "covcore")
    assert sys.monitoring.get_local_events(tool, module.f.__code__) != 0
    cov.stop()
    assert sys.monitoring.get_events(tool) == 0
    assert sys.monitoring.get_local_events(tool, module.f.__code__) == 0
    # Another tool can take the id now.
    sys.monitoring.use_tool_id(tool, "someone else")
    sys.monitoring.free_tool_id(tool)


def test_start_stop_start_measures_again(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def f(x):
            if x:
                return 1
            return 2
        """)
    cov = _cov(path)
    cov.start()
    module = _import(path)
    module.f(1)
    cov.stop()
    cov.start()
    module.f(0)
    cov.stop()
    assert sorted(cov.get_data().lines(str(path)) or []) == [1, 2, 3, 4]


def test_no_free_tool_id_is_one_clear_error(make_file: Any) -> None:
    path = make_file("mod.py", "x = 1\n")
    taken = [i for i in range(1, 6) if sys.monitoring.get_tool(i) is None]
    for i in taken:
        sys.monitoring.use_tool_id(i, "squatter")
    try:
        with pytest.raises(covcore.CovcoreError, match="no sys.monitoring tool id is free"):
            _cov(path).start()
    finally:
        for i in taken:
            sys.monitoring.free_tool_id(i)


def test_threads_already_running_and_low_level_threads(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def work(n):
            if n:
                return "yes"
            return "no"
        """)
    module = _import(path)
    go = threading.Event()
    done = threading.Event()
    results: list[str] = []

    def early() -> None:
        go.wait()
        results.append(module.work(1))

    running = threading.Thread(target=early)
    running.start()
    cov = _cov(path)
    cov.start()
    go.set()
    running.join()
    _thread.start_new_thread(lambda: (results.append(module.work(0)), done.set()), ())
    done.wait(10)
    cov.stop()
    assert sorted(results) == ["no", "yes"]
    assert sorted(cov.get_data().lines(str(path)) or []) == [2, 3, 4]


def test_a_settrace_tracer_of_the_program_works_unaffected(make_file: Any) -> None:
    path = make_file("mod.py", """\
        import sys
        seen = []

        def tracer(frame, event, arg):
            if frame.f_code.co_name == "target":
                seen.append((event, frame.f_lineno))
            return tracer

        def target():
            a = 1
            return a

        sys.settrace(tracer)
        target()
        sys.settrace(None)
        """)
    cov = _cov(path, branch=True)
    cov.start()
    module = _import(path)
    cov.stop()
    assert module.seen == [("call", 9), ("line", 10), ("line", 11), ("return", 11)]
    arcs = set(cov.get_data().arcs(str(path)) or [])
    assert {(-9, 10), (10, 11), (11, -9), (13, 14), (14, 15)} <= arcs


def _local_events(code: Any) -> int:
    tool = next(i for i, name in _tools().items() if name == "covcore")
    return sys.monitoring.get_local_events(tool, code)


def test_line_mode_switches_off_hot_code_once_its_lines_all_ran(make_file: Any) -> None:
    # Jump targets reached from their own line (an await's loop, the second
    # half of a conditional expression, a comprehension's loop) never report
    # a line, so only switching the code's events off stops their cost.
    path = make_file("mod.py", """\
        async def fib(n):
            return n if n < 2 else await fib(n - 1) + await fib(n - 2)

        def run(n):
            coro = fib(n)
            try:
                coro.send(None)
            except StopIteration as stop:
                return stop.value

        def pick(x):
            if x > 100:
                return "big"
            return [c for c in "ab" if c]
        """)
    cov = _cov(path)
    cov.start()
    module = _import(path)
    assert module.run(10) == 55
    for _ in range(20):
        module.pick(1)
    assert _local_events(module.fib.__code__) == 0
    assert _local_events(module.run.__code__) == 0     # ran once, but every line of it
    assert _local_events(module.pick.__code__) != 0    # line 13 never ran
    assert module.pick(1000) == "big"
    assert _local_events(module.pick.__code__) == 0
    cov.stop()
    assert sorted(cov.get_data().lines(str(path)) or []) == [1, 2, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14]


def test_line_mode_switches_off_a_long_running_frame_when_its_last_line_runs(make_file: Any) -> None:
    # Started once, looping long: the count of its missing lines, not its
    # starts, finds it complete, while its one frame still runs.
    path = make_file("mod.py", """\
        seen = []

        def ticker(n):
            k = 0
            while k < n:
                k += 1
                if k == 2:
                    seen.append(k)
                yield LOCAL(ticker.__code__)
        """)
    cov = _cov(path)
    cov.start()
    module = _import(path)
    module.LOCAL = _local_events
    events = list(module.ticker(5))
    cov.stop()
    assert events[0] != 0           # line 8 had not run yet
    assert events[1:] == [0, 0, 0, 0]
    assert sorted(cov.get_data().lines(str(path)) or []) == [1, 3, 4, 5, 6, 7, 8, 9]


def test_code_switched_off_reports_again_in_a_new_context(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def gen():
            yield 1
            yield 2

        def hot():
            return sum(x for x in gen())
        """)
    cov = _cov(path)
    cov.start()
    module = _import(path)
    for _ in range(20):
        module.hot()
    assert _local_events(module.gen.__code__) == 0
    suspended = module.gen()
    next(suspended)
    cov.switch_context("resumed")
    assert next(suspended) == 2         # no PY_START: the frame was running already
    cov.switch_context("called")
    module.hot()
    cov.stop()
    contexts = cov.get_data().items_by_context(str(path))
    assert contexts["resumed"] == {3}
    assert contexts["called"] == {2, 3, 6}

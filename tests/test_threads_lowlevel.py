"""Threads that ``threading.settrace`` doesn't reach, measured on every core.

``_thread.start_new_thread`` threads, and threads that were already running
when measurement started (measured from then on).  Lines marked ``# R`` must
be measured, and no others.  See docs/trouble.md, "Low-level threads".
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore
from proc_helpers import marked, measured, run_python


def test_start_new_thread_threads_are_measured(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", """\
        import _thread                                  # R
        from helper import work                         # R
        done = _thread.allocate_lock()                  # R
        done.acquire()                                  # R
        def in_thread(n, *, scale):                     # R
            print("thread", work(n) * scale, flush=True)  # R
            done.release()                              # R
        _thread.start_new_thread(in_thread, (3,), {"scale": 10})  # R
        done.acquire()                                  # R
        _thread.start_new(in_thread, (4,), {"scale": 1})  # R
        done.acquire()                                  # R
        """)
    helper = make_file("helper.py", """\
        def work(n):                                    # R
            total = 0                                   # R
            for i in range(n):                          # R
                total += i                              # R
            return total                                # R
        def unused():                                   # R
            return None
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "thread 30\nthread 6\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog), "helper.py": marked(helper)}


def test_start_new_thread_keeps_its_behaviour(make_file: Any, tmp_path: Path, core: str) -> None:
    make_file("prog.py", """\
        import _thread, time
        for bad in [(len, [1]), (len, (1,), [])]:
            try:
                _thread.start_new_thread(*bad)
            except TypeError as exc:
                print(exc)
        done = _thread.allocate_lock()
        done.acquire()
        def boom():
            try:
                raise ValueError("in the thread")
            finally:
                done.release()
        _thread.start_new_thread(boom, ())
        done.acquire()
        time.sleep(0.2)
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    plain = run_python(["prog.py"], cwd=tmp_path)
    assert result.returncode == plain.returncode == 0
    assert result.stdout == plain.stdout == "2nd arg must be a tuple\noptional 3rd arg must be a dictionary\n"
    # An uncaught exception is reported the same way, naming the program's function.
    assert "ValueError: in the thread" in result.stderr
    assert plain.stderr.splitlines()[0].split(" at ")[0] == result.stderr.splitlines()[0].split(" at ")[0]


@pytest.mark.skipif(sys.version_info < (3, 13), reason="_thread.start_joinable_thread is new in 3.13")
def test_start_joinable_thread_threads_are_measured(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", """\
        import _thread                                  # R
        def in_thread():                                # R
            print("joinable", flush=True)               # R
        handle = _thread.start_joinable_thread(in_thread)  # R
        handle.join()                                   # R
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "joinable\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}


def test_threads_already_running_are_measured_from_start(make_file: Any, tmp_path: Path, core: str) -> None:
    # Three threads are running when cov.start() is called: one waiting in
    # the middle of a function (threading), one waiting in a loop (_thread),
    # one that will only call into measured code through a C function.  Only
    # what they run after start() is measured.
    make_file("prog.py", """\
        import _thread, sys, threading
        import covcore
        import work
        go = threading.Event()
        started = [threading.Event() for _ in range(3)]
        t = threading.Thread(target=work.waiting_function, args=(started[0], go))
        t.start()
        finished = _thread.allocate_lock()
        finished.acquire()
        _thread.start_new_thread(work.waiting_loop, (started[1], go, finished))
        c = threading.Thread(target=work.through_c, args=(started[2], go))
        c.start()
        for event in started:
            event.wait()
        cov = covcore.Coverage(core=sys.argv[1], data_file="measured.data", include=["*/work.py"])
        cov.start()
        go.set()
        t.join()
        finished.acquire()
        c.join()
        cov.stop()
        cov.save()
        """)
    work = make_file("work.py", """\
        import sys
        def helper(x):
            return x + 1                                # R
        def waiting_function(started, go):
            a = 1
            started.set()
            go.wait()
            b = helper(a)                               # R
            sys.stdout.write(f"function {b}\\n")        # R
        def waiting_loop(started, go, finished):
            for i in range(3):                          # R
                if i == 0:                              # R
                    started.set()
                    go.wait()
                helper(i)                               # R
            finished.release()                          # R
        def key(item):
            return helper(item)                         # R
        def through_c(started, go):
            started.set()
            go.wait()
            sys.stdout.write(f"{sorted([3, 1, 2], key=key)}\\n")  # R
        """)
    result = run_python(["prog.py", core], cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert sorted(result.stdout.splitlines()) == ["[1, 2, 3]", "function 2"]
    lines = measured(tmp_path / "measured.data")
    assert lines == {"work.py": marked(work)}


def test_an_executor_left_open_does_not_keep_the_run_alive(make_file: Any, tmp_path: Path, core: str) -> None:
    # Python's exit tells concurrent.futures' threads to finish before it joins
    # them (threading._shutdown); covcore run, which waits for the program's
    # threads before it saves, must do the same, or wait forever.
    prog = make_file("prog.py", """\
        from concurrent.futures import ThreadPoolExecutor  # R
        def task(n):                                    # R
            return n * 2                                # R
        pool = ThreadPoolExecutor(max_workers=2)        # R
        print(pool.submit(task, 21).result())           # R
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "42\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}

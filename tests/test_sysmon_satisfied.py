"""Branch mode of the sys.monitoring core stops tracking the frames of a
code object whose readers miss only arcs from lines that have never run
(sysdone.h, frames_unneeded()): its calls then cost no frame entry and no
PY_RETURN callback.  The first run of such a line tracks every running
frame of the code again, each from the line it is on.

Each test makes the code untracked, then runs the new line in some way
while frames of the same code are in the middle of their work, and checks
that the arcs are exactly those of the settrace core.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import pytest

from test_sysmon_quiet import _same_as_ctrace, _states_between

pytestmark = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring needs Python 3.12")

UNTRACKED = "untracked until a new line"

# Line 5 reads: it is reached from 3 and from 4, and 4 runs only for None.
STEP = """\
    def step(x, depth, rare):
        y = x
        if x is None:
            y = 0
        z = y + 1
        if depth > 0:
            z += step(x, depth - 1, rare)
        if depth == rare:
            z += step(None, 0, -1)
        z += y
        return z
    """


def _common(mod: Any) -> None:
    for _ in range(30):
        mod.step(1, 2, -1)


def test_frames_go_untracked_while_the_missing_arcs_come_from_lines_never_run(make_file: Any) -> None:
    path = make_file("mod.py", STEP)
    states = _states_between(path, [_common, lambda m: m.step(1, 3, 1)], ("step",))
    assert states[0] == {"step": UNTRACKED}
    assert states[1] != {"step": UNTRACKED}


def test_a_new_line_below_running_frames_of_the_same_code(make_file: Any) -> None:
    """The frames of depth 3, 2 and 1 are in their calls (lines 7 and 9)
    when the innermost one runs line 4 for the first time."""
    path = make_file("mod.py", STEP)
    arcs = _same_as_ctrace(path, [_common, lambda m: m.step(1, 3, 1), lambda m: m.step(2, 2, 0)])
    assert {(3, 4), (4, 5), (8, 9), (9, 10)} <= arcs


def test_a_new_line_in_the_frame_itself(make_file: Any) -> None:
    path = make_file("mod.py", STEP)
    arcs = _same_as_ctrace(path, [_common, lambda m: m.step(None, 1, -1), _common])
    assert {(3, 4), (4, 5)} <= arcs


def test_a_new_line_in_another_thread_while_a_frame_waits(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def work(x, before, after):
            y = x
            if x is None:
                y = 0
            z = y + 1
            before()
            if z > 5:
                z -= 1
            after()
            z += y
            return z
        """)

    def rare(mod: Any) -> None:
        # The main thread's frame waits between its lines 6 and 7 while
        # another thread runs line 4 for the first time.
        started, done = threading.Event(), threading.Event()

        def other() -> None:
            started.wait()
            mod.work(None, lambda: None, lambda: None)
            done.set()

        t = threading.Thread(target=other)
        t.start()
        mod.work(7, lambda: (started.set(), done.wait()), lambda: None)
        t.join()

    def common(mod: Any) -> None:
        for i in range(30):
            mod.work(i % 3, lambda: None, lambda: None)

    arcs = _same_as_ctrace(path, [common, rare, common])
    assert {(3, 4), (4, 5), (7, 8), (8, 9)} <= arcs


"""Branch mode of the sys.monitoring core builds a code object's flow model
only at its second start, or once its first run is long (a loop): until
then its frames take the exact path, one callback per line, which costs
code that runs once (a module's body, a class's) no more than the model
would, and saves the model's walk (syscode.c, SysCode_undefer()).

Each test switches a code object to the model while a frame of it is in
the middle of its first run, and checks that the arcs are exactly those
of the settrace core.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from test_sysmon_quiet import _same_as_ctrace, _states_between

pytestmark = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring needs Python 3.12")

DEFERRED = "exact until its second start"

WALK = """\
    def walk(n, fail_at):
        total = 0
        if n == fail_at:
            raise ValueError(n)
        for i in range(2):
            if n > 0 and i == 0:
                total += walk(n - 1, fail_at)
            elif n % 2:
                total += 1
            else:
                total -= 1
        return total
    """


def test_code_run_once_keeps_the_exact_path(make_file: Any) -> None:
    path = make_file("mod.py", WALK)
    states = _states_between(path, [lambda m: m.walk(0, -1), lambda m: m.walk(0, -1)], ("walk",))
    assert states[0] == {"walk": DEFERRED}
    assert states[1] != {"walk": DEFERRED}


def test_the_second_start_is_a_recursive_call(make_file: Any) -> None:
    """The outer frames are in the middle of their first run when the model
    takes over; they go on exactly, and so do the ones that raise."""
    path = make_file("mod.py", WALK)

    def rare(mod: Any) -> None:
        try:
            mod.walk(6, 2)
        except ValueError:
            pass

    arcs = _same_as_ctrace(path, [lambda m: m.walk(5, -1), rare, lambda m: m.walk(4, -1)])
    assert {(3, 4), (4, -1), (7, 5), (9, 5), (11, 5)} <= arcs


def test_a_long_first_run_switches_in_the_middle(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def main(n, rare):
            total = 0
            for i in range(n):
                if i == rare:
                    total += 100
                if i % 3 == 0:
                    total += 1
                else:
                    total -= 1
            return total
        """)
    arcs = _same_as_ctrace(path, [lambda m: m.main(500, 400)])
    assert {(4, 5), (5, 6), (9, 3), (3, 10)} <= arcs
    states = _states_between(path, [lambda m: m.main(500, -1)], ("main",))
    assert states == [{"main": "tracked until complete"}]

"""3.14's BRANCH_LEFT and BRANCH_RIGHT events in the sys.monitoring core's
branch mode: an arc that a direction of a conditional jump or of a
FOR_ITER brings is told by that direction's own event, so the line it goes
into need not keep reporting to tell it apart from its other arcs
(FlowBranch in sysflow.h).

Each test makes such a line hot while an arc into it is still missing,
then takes the missing direction late, and checks that the arcs are
exactly those of the settrace core.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from test_sysmon_flow import _arcs
from test_sysmon_quiet import _same_as_ctrace

pytestmark = pytest.mark.skipif(sys.version_info < (3, 14), reason="BRANCH_LEFT/BRANCH_RIGHT need Python 3.14")


def test_a_default_argument_given_late(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def shift(point, by=None):
            if by is None:
                by = 1
            moved = point + by
            if moved > 100:
                moved = 100
            return moved
        """)
    arcs = _same_as_ctrace(path, [
        lambda m: [m.shift(i) for i in range(50)],
        lambda m: m.shift(3, 2),
        lambda m: m.shift(200, 1),
    ])
    assert {(2, 4), (5, 7), (5, 6)} <= arcs


def test_a_loop_that_ends_by_exhaustion_late(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def find(items, wanted):
            for i, item in enumerate(items):
                if item == wanted:
                    return i
            return -1
        """)
    arcs = _same_as_ctrace(path, [
        lambda m: [m.find([1, 2, 3], 2) for _ in range(50)],
        lambda m: m.find([1, 2, 3], 9),
        lambda m: m.find([], 9),
    ])
    assert (2, 5) in arcs


def test_both_directions_of_one_condition_in_a_hot_loop(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def count(values, limit):
            small = big = 0
            for v in values:
                if v < limit and v >= 0:
                    small += 1
                elif v > 1000:
                    big += 1
                else:
                    small -= 1
            return small, big
        """)
    _same_as_ctrace(path, [
        lambda m: m.count(range(500), 1000),
        lambda m: m.count([5000, -1], 1000),
        lambda m: m.count([7], 3),
    ])


def test_the_branch_arcs_are_in_the_model_of_every_function(make_file: Any) -> None:
    """The arcs branch events bring are arcs the flow model already has
    (nothing is recorded outside it: no misfit)."""
    path = make_file("mod.py", """\
        def f(a, b):
            while a < b:
                if a % 2:
                    a += 3
                else:
                    a += 1
            return a if a > b else b
        """)
    got, _ = _arcs("sysmon", path, lambda m: [m.f(i, 20) for i in range(30)])
    expected, _ = _arcs("ctrace", path, lambda m: [m.f(i, 20) for i in range(30)])
    assert got == expected

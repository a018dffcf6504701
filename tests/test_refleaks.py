"""Starting and stopping a core many times leaks neither references nor memory.

Each core, in line and branch mode, is started and stopped over a program
that creates and drops threads, generators, ``exec``-made code objects and
exceptions (benchmarks/refleaks.py, which ``make refleaks`` runs 1,000 times
on python3.14-dbg).  Here a short loop, in a fresh process per core and mode:
after a warm-up, the bytes tracemalloc sees (every allocation of the C
extension goes through ``PyMem_*``) and, on a debug build of Python,
``sys.gettotalrefcount()`` stay within a small constant, well under one
leaked reference or one small block per start, in one half of the loop at
least (a leak grows in both; CPython's one-off growth, such as a resize of
its interned-strings dict, in one).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
STARTS = 100
WARMUP = 30
#: Per half of the loop.  CPython's own memory moves by a few kilobytes,
#: whatever the number of starts (its containers grow and shrink, 3.10's
#: most); a leaked record per exec'd code object would be 150 bytes a start.
MAX_BYTES = 100 * STARTS // 2
#: Steady at 10 or fewer on python3.14-dbg; a leak is one or more a start.
MAX_REFS = STARTS // 4

_results: dict[tuple[str, str], dict[str, Any]] = {}


def figures(core: str, mode: str) -> dict[str, Any]:
    """The harness's figures for one core and mode, run once per test session."""
    if (core, mode) not in _results:
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.refleaks", "--json", "--starts", str(STARTS),
             "--warmup", str(WARMUP), "--cores", core, "--modes", mode],
            cwd=REPO, capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr
        [_results[core, mode]] = json.loads(result.stdout)
    return _results[core, mode]


@pytest.mark.parametrize("mode", ["line", "branch"])
def test_memory_stays_flat_over_starts_and_stops(core: str, mode: str) -> None:
    result = figures(core, mode)
    assert result["measured"] > 40, "the program was not measured"
    grown = result["least_half_delta"]["traced_bytes"]
    assert grown < MAX_BYTES, f"{grown} bytes more after {STARTS // 2} starts and stops of {core} ({mode})"


@pytest.mark.skipif(not hasattr(sys, "gettotalrefcount"),
                    reason="needs a debug build of Python (sys.gettotalrefcount): make refleaks")
@pytest.mark.parametrize("mode", ["line", "branch"])
def test_references_stay_flat_over_starts_and_stops(core: str, mode: str) -> None:
    result = figures(core, mode)
    grown = result["least_half_delta"]["refs"]
    assert grown < MAX_REFS, f"{grown} references more after {STARTS // 2} starts and stops of {core} ({mode})"

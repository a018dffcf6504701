"""Greenlets and gevent: ``--concurrency greenlet`` / ``gevent``, on every core.

Greenlets switch stacks inside one thread, so a tracer that keeps one data
stack per thread credits what runs after a switch to the frame that was
running before it.  With the concurrency named, the settrace cores keep a
data stack per greenlet; the sysmon core measures lines without any stack,
and leaves branches to the ctrace core.  See docs/trouble.md, "Greenlets
and gevent".

Each program runs under ``covcore run`` in a real subprocess.  Lines marked
``# R`` must be measured, and no others; the arcs are written out in full.
Each result is compared with coverage.py's, run with the same
``--concurrency``: coverage.py agrees on the lines where no greenlet ends
while the program is measured (and the switching code is in one file), and
loses lines where one does (coverage.py issue #841); its arcs after a
switch start from the line the previous greenlet was on
(docs/differences.md).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

from conftest import run_covcore
from covcore import cores
from covcore.data import CoverageData
from proc_helpers import marked, require_startup_hook

# Test requirements (pip install .[test]): missing, they fail the collection rather than skip.
importlib.import_module("greenlet")
importlib.import_module("gevent")

#: The cores that can measure branches with greenlets (sysmon can't: see covcore.cores).
BRANCH_CORES = [name for name in cores.available_cores() if name != "sysmon"]

# Three greenlets' worth of switching: ping and pong take turns in the same
# function, switching in the middle of its loop, straight to each other or
# back to the main greenlet.  No greenlet ends while the program runs.
PINGPONG = """\
import greenlet                                 # R

def player(name, moves):                        # R
    score = 0                                   # R
    for move in moves:                          # R
        if move == "hit":                       # R
            score += 2                          # R
        else:
            score -= 1                          # R
        peer = peers[name]                      # R
        peer.switch()                           # R
    log.append((name, score))                   # R
    main.switch()                               # R

log = []                                        # R
main = greenlet.getcurrent()                    # R
ping = greenlet.greenlet(player)                # R
pong = greenlet.greenlet(player)                # R
peers = {"ping": pong, "pong": main}            # R
pong.switch("pong", ["miss", "hit", "miss"])    # R
ping.switch("ping", ["hit", "hit", "miss"])     # R
while not log:                                  # R
    ping.switch()                               # R
print(log)                                      # R
"""

PINGPONG_ARCS = [
    (-1, 1), (1, 3), (3, 15), (15, 16), (16, 17), (17, 18), (18, 19), (19, 20), (20, 21),
    (21, 22), (22, 23), (23, 22), (22, 24), (24, -1),
    # player: the loop goes on after each switch, from line 11.
    (-3, 4), (4, 5), (5, 6), (6, 7), (6, 9), (7, 10), (9, 10), (10, 11), (11, 5), (5, 12), (12, 13),
]

# Greenlets that end (returning to their parent), one started from inside
# another greenlet and left suspended, and a call into another file.
NESTED = """\
import greenlet                                 # R
import helper                                   # R

def walk(name, items):                          # R
    seen = 0                                    # R
    for item in items:                          # R
        if item > 0:                            # R
            seen += item                        # R
        else:
            seen -= 1                           # R
        main.switch(name)                       # R
    return seen                                 # R

def grow(n):                                    # R
    if n > 3:                                   # R
        n = helper.scale(n)                     # R
    else:
        n = -n
    other = greenlet.greenlet(walk)             # R
    other.switch("c", [n])                      # R
    if n > 100:
        return "big"
    return "small"

main = greenlet.getcurrent()                    # R
ga = greenlet.greenlet(walk)                    # R
gb = greenlet.greenlet(walk)                    # R
print(ga.switch("a", [1, -1, 2]))               # R
print(gb.switch("b", [-5]))                     # R
print(ga.switch())                              # R
print(gb.switch())                              # R
print(ga.switch())                              # R
gc = greenlet.greenlet(grow)                    # R
print(gc.switch(5))                             # R
print(ga.switch())                              # R
"""

NESTED_HELPER = """\
def scale(n):                                   # R
    if n % 2:                                   # R
        n = n * 3                               # R
    return n                                    # R
"""

NESTED_ARCS = {
    "prog.py": [
        (-1, 1), (1, 2), (2, 4), (4, 14), (14, 25), (25, 26), (26, 27), (27, 28), (28, 29),
        (29, 30), (30, 31), (31, 32), (32, 33), (33, 34), (34, 35), (35, -1),
        # walk, in four greenlets: gb and then ga end with line 12.
        (-4, 5), (5, 6), (6, 7), (7, 8), (7, 10), (8, 11), (10, 11), (11, 6), (6, 12), (12, -4),
        # grow stays suspended at line 20.
        (-14, 15), (15, 16), (16, 19), (19, 20),
    ],
    "helper.py": [(-1, 1), (1, -1), (-1, 2), (2, 3), (3, 4), (4, -1)],
}
NESTED_OUTPUT = "a\nb\na\n-1\na\nc\n2\n"

GEVENT = """\
import gevent                                   # R

def fetch(name, delays):                        # R
    got = []                                    # R
    for d in delays:                            # R
        if d:                                   # R
            gevent.sleep(d)                     # R
            got.append(name + "-slept")         # R
        else:
            got.append(name + "-now")           # R
    return got                                  # R

def count(n):                                   # R
    total = 0                                   # R
    while n:                                    # R
        gevent.sleep(0)                         # R
        total += n                              # R
        n -= 1                                  # R
    return total                                # R

jobs = [gevent.spawn(fetch, "a", [0.02, 0, 0.01]), gevent.spawn(fetch, "b", [0, 0.005]), gevent.spawn(count, 3)]  # R
gevent.joinall(jobs)                            # R
for job in jobs:                                # R
    print(job.value)                            # R
"""

GEVENT_ARCS = [
    (-1, 1), (1, 3), (3, 13), (13, 21), (21, 22), (22, 23), (23, 24), (24, 23), (23, -1),
    (-3, 4), (4, 5), (5, 6), (6, 7), (6, 10), (7, 8), (8, 5), (10, 5), (5, 11), (11, -3),
    (-13, 14), (14, 15), (15, 16), (16, 17), (17, 18), (18, 15), (15, 19), (19, -13),
]
GEVENT_OUTPUT = "['a-slept', 'a-now', 'a-slept']\n['b-now', 'b-slept']\n6\n"

# Two threads, each with its main greenlet and two more.
THREADS = """\
import threading                                # R
import greenlet                                 # R

def side(home, n):                              # R
    total = 0                                   # R
    for i in range(n):                          # R
        if i % 2:                               # R
            total += i                          # R
        else:
            total -= i + 1                      # R
        home.switch()                           # R
    return total                                # R

def in_thread(name, results):                   # R
    home = greenlet.getcurrent()                # R
    workers = [greenlet.greenlet(side), greenlet.greenlet(side)]  # R
    workers[0].switch(home, 3)                  # R
    workers[1].switch(home, 2)                  # R
    done = []                                   # R
    while len(done) < 2:                        # R
        for w in workers:                       # R
            if not w.dead:                      # R
                result = w.switch()             # R
                if w.dead:                      # R
                    done.append(result)         # R
    results[name] = done                        # R

results = {}                                    # R
threads = [threading.Thread(target=in_thread, args=("a", results)), threading.Thread(target=in_thread, args=("b", results))]  # R
for t in threads:                               # R
    t.start()                                   # R
for t in threads:                               # R
    t.join()                                    # R
print(sorted(results.items()))                  # R
"""

THREADS_ARCS = [
    (-1, 1), (1, 2), (2, 4), (4, 14), (14, 28), (28, 29), (29, 30), (30, 31), (31, 30), (30, 32),
    (32, 33), (33, 32), (32, 34), (34, -1),
    (-4, 5), (5, 6), (6, 7), (7, 8), (7, 10), (8, 11), (10, 11), (11, 6), (6, 12), (12, -4),
    (-14, 15), (15, 16), (16, 17), (17, 18), (18, 19), (19, 20), (20, 21), (21, 22), (22, 23),
    (23, 24), (24, 25), (24, 21), (25, 21), (22, 21), (21, 20), (20, 26), (26, -14),
]
THREADS_OUTPUT = "[('a', [0, -3]), ('b', [0, -3])]\n"

# gevent's monkey-patched threading: each "thread" is a greenlet of the one
# measured thread.
PATCHED_THREADS = """\
from gevent import monkey                       # R
monkey.patch_all()                              # R
import threading                                # R
import time                                     # R

def work(name, n):                              # R
    total = 0                                   # R
    for i in range(n):                          # R
        time.sleep(0.001)                       # R
        if i % 2:                               # R
            total += i                          # R
        else:
            total -= 1                          # R
    results[name] = total                       # R

results = {}                                    # R
threads = [threading.Thread(target=work, args=("t0", 4)), threading.Thread(target=work, args=("t1", 4))]  # R
for t in threads:                               # R
    t.start()                                   # R
for t in threads:                               # R
    t.join()                                    # R
print(sorted(results.items()))                  # R
"""

PATCHED_THREADS_ARCS = [
    (-1, 1), (1, 2), (2, 3), (3, 4), (4, 6), (6, 16), (16, 17), (17, 18),
    (18, 19), (19, 18), (18, 20), (20, 21), (21, 20), (20, 22), (22, -1),
    (-6, 7), (7, 8), (8, 9), (9, 10), (10, 11), (10, 13), (11, 8), (13, 8), (8, 14), (14, -6),
]
PATCHED_THREADS_OUTPUT = "[('t0', 2), ('t1', 2)]\n"


def covcore_result(tmp_path: Path, args: list[str]) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run ``covcore run ARGS prog.py``; the result, and the lines or arcs by file base name."""
    result = run_covcore(["run", *args, "prog.py"], cwd=tmp_path)
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    out: dict[str, Any] = {}
    for name in data.measured_files():
        out[os.path.basename(name)] = sorted(data.arcs(name) or []) if data.has_arcs() else sorted(data.lines(name) or [])
    return result, out


def coverage_py_result(tmp_path: Path, args: list[str]) -> dict[str, Any]:
    """What coverage.py measures running prog.py with ARGS: lines or arcs by file base name."""
    import coverage

    data_file = tmp_path / "coverage-py.data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COVCORE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "coverage", "run", f"--data-file={data_file}", *args, "prog.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = coverage.CoverageData(str(data_file))
    data.read()
    out: dict[str, Any] = {}
    for name in data.measured_files():
        out[os.path.basename(name)] = sorted(data.arcs(name) or []) if data.has_arcs() else sorted(data.lines(name) or [])
    return out


def lines_of(arcs: list[tuple[int, int]]) -> list[int]:
    """The lines that arcs reach or leave (the measured lines of a branch run)."""
    return sorted({line for arc in arcs for line in arc if line > 0})


def _core_args(core: Optional[str]) -> list[str]:
    return ["--core", core] if core else []


# -- Lines, every core --


def test_pingpong_lines(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", PINGPONG)
    result, got = covcore_result(tmp_path, ["--core", core, "--concurrency", "greenlet"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "[('pong', 0)]\n", "")
    assert got == {"prog.py": marked(prog)}
    # No greenlet ends, so coverage.py measures the same lines.
    assert coverage_py_result(tmp_path, ["--concurrency=greenlet"]) == got


def test_nested_greenlets_lines(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", NESTED)
    helper = make_file("helper.py", NESTED_HELPER)
    result, got = covcore_result(tmp_path, ["--core", core, "--concurrency", "greenlet"])
    assert (result.returncode, result.stdout, result.stderr) == (0, NESTED_OUTPUT, "")
    assert got == {"prog.py": marked(prog), "helper.py": marked(helper)}
    # coverage.py loses lines after a greenlet ends (its issue #841), never more.
    theirs = coverage_py_result(tmp_path, ["--concurrency=greenlet"])
    assert theirs["helper.py"] == got["helper.py"]
    assert set(theirs["prog.py"]) < set(got["prog.py"])


def test_gevent_lines(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", GEVENT)
    result, got = covcore_result(tmp_path, ["--core", core, "--concurrency", "gevent"])
    assert (result.returncode, result.stdout, result.stderr) == (0, GEVENT_OUTPUT, "")
    assert got == {"prog.py": marked(prog)}
    # coverage.py loses the lines after gevent.joinall() (its issue #841).
    theirs = coverage_py_result(tmp_path, ["--concurrency=gevent"])
    assert set(theirs["prog.py"]) < set(got["prog.py"])


def test_threads_with_greenlets_lines(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", THREADS)
    result, got = covcore_result(tmp_path, ["--core", core, "--concurrency", "thread,greenlet"])
    assert (result.returncode, result.stdout, result.stderr) == (0, THREADS_OUTPUT, "")
    assert got == {"prog.py": marked(prog)}
    # coverage.py loses lines after a greenlet ends (its issue #841).
    theirs = coverage_py_result(tmp_path, ["--concurrency=thread,greenlet"])
    assert set(theirs["prog.py"]) <= set(got["prog.py"])


def test_gevent_patched_threads_lines(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", PATCHED_THREADS)
    result, got = covcore_result(tmp_path, ["--core", core, "--concurrency", "thread,gevent"])
    assert (result.returncode, result.stdout, result.stderr) == (0, PATCHED_THREADS_OUTPUT, "")
    assert got == {"prog.py": marked(prog)}
    # coverage.py loses the lines after the threads (greenlets) end (its issue #841).
    theirs = coverage_py_result(tmp_path, ["--concurrency=thread,gevent"])
    assert set(theirs["prog.py"]) < set(got["prog.py"])


def test_dropped_greenlet_still_ends(make_file: Any, tmp_path: Path, core: str) -> None:
    # covcore holds no reference to a greenlet, so one the program drops is
    # ended as without covcore: GreenletExit, its finally: block runs.
    prog = make_file("prog.py", """\
        import gc                                   # R
        import greenlet                             # R
        def task():                                 # R
            try:                                    # R
                main.switch("waiting")              # R
                print("never")
            finally:
                print("cleaned up")                 # R
        main = greenlet.getcurrent()                # R
        g = greenlet.greenlet(task)                 # R
        print(g.switch())                           # R
        del g                                       # R
        gc.collect()                                # R
        print("done")                               # R
        """)
    result, got = covcore_result(tmp_path, ["--core", core, "--concurrency", "greenlet"])
    assert (result.returncode, result.stdout, result.stderr) == (0, "waiting\ncleaned up\ndone\n", "")
    assert got == {"prog.py": marked(prog)}


# -- Branches: the settrace cores, and the default core --


@pytest.mark.parametrize("core", [*BRANCH_CORES, None], ids=[*BRANCH_CORES, "default"])
def test_pingpong_arcs(make_file: Any, tmp_path: Path, core: Optional[str]) -> None:
    prog = make_file("prog.py", PINGPONG)
    result, got = covcore_result(tmp_path, [*_core_args(core), "--branch", "--concurrency", "greenlet"])
    assert (result.returncode, result.stderr) == (0, "")
    assert got == {"prog.py": sorted(PINGPONG_ARCS)}
    assert lines_of(got["prog.py"]) == marked(prog)
    # coverage.py measures the same lines, but starts the arcs after a switch
    # from the line the previous greenlet was on: (11, 22) rather than (11, 5).
    theirs = coverage_py_result(tmp_path, ["--branch", "--concurrency=greenlet"])
    assert lines_of(theirs["prog.py"]) == marked(prog)
    assert (11, 22) in theirs["prog.py"] and (11, 22) not in got["prog.py"]


@pytest.mark.parametrize("core", [*BRANCH_CORES, None], ids=[*BRANCH_CORES, "default"])
def test_nested_greenlets_arcs(make_file: Any, tmp_path: Path, core: Optional[str]) -> None:
    make_file("prog.py", NESTED)
    make_file("helper.py", NESTED_HELPER)
    result, got = covcore_result(tmp_path, [*_core_args(core), "--branch", "--concurrency", "greenlet"])
    assert (result.returncode, result.stdout, result.stderr) == (0, NESTED_OUTPUT, "")
    assert got == {name: sorted(arcs) for name, arcs in NESTED_ARCS.items()}
    theirs = coverage_py_result(tmp_path, ["--branch", "--concurrency=greenlet"])
    assert theirs["helper.py"] == got["helper.py"]
    assert set(lines_of(theirs["prog.py"])) < set(lines_of(got["prog.py"]))


@pytest.mark.parametrize("core", [*BRANCH_CORES, None], ids=[*BRANCH_CORES, "default"])
def test_gevent_arcs(make_file: Any, tmp_path: Path, core: Optional[str]) -> None:
    make_file("prog.py", GEVENT)
    result, got = covcore_result(tmp_path, [*_core_args(core), "--branch", "--concurrency", "gevent"])
    assert (result.returncode, result.stdout, result.stderr) == (0, GEVENT_OUTPUT, "")
    assert got == {"prog.py": sorted(GEVENT_ARCS)}
    theirs = coverage_py_result(tmp_path, ["--branch", "--concurrency=gevent"])
    assert set(lines_of(theirs["prog.py"])) < set(lines_of(got["prog.py"]))


@pytest.mark.parametrize("core", [*BRANCH_CORES, None], ids=[*BRANCH_CORES, "default"])
def test_threads_with_greenlets_arcs(make_file: Any, tmp_path: Path, core: Optional[str]) -> None:
    make_file("prog.py", THREADS)
    result, got = covcore_result(tmp_path, [*_core_args(core), "--branch", "--concurrency", "thread,greenlet"])
    assert (result.returncode, result.stdout, result.stderr) == (0, THREADS_OUTPUT, "")
    assert got == {"prog.py": sorted(THREADS_ARCS)}


@pytest.mark.parametrize("core", [*BRANCH_CORES, None], ids=[*BRANCH_CORES, "default"])
def test_gevent_patched_threads_arcs(make_file: Any, tmp_path: Path, core: Optional[str]) -> None:
    make_file("prog.py", PATCHED_THREADS)
    result, got = covcore_result(tmp_path, [*_core_args(core), "--branch", "--concurrency", "thread,gevent"])
    assert (result.returncode, result.stdout, result.stderr) == (0, PATCHED_THREADS_OUTPUT, "")
    assert got == {"prog.py": sorted(PATCHED_THREADS_ARCS)}


@pytest.mark.skipif("sysmon" not in cores.available_cores(), reason="the sysmon core needs Python 3.12")
def test_sysmon_refuses_branches_with_greenlets(make_file: Any, tmp_path: Path) -> None:
    make_file("prog.py", PINGPONG)
    result = run_covcore(["run", "--core", "sysmon", "--branch", "--concurrency", "greenlet", "prog.py"],
                         cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "covcore: The sysmon core was requested (by --core) but it can't measure branches with "
        "concurrency=greenlet (use the ctrace core, the default then)\n"
    )


@pytest.mark.skipif("sysmon" not in cores.available_cores(), reason="the sysmon core needs Python 3.12")
def test_default_core_for_greenlet_branches_is_ctrace(make_file: Any, tmp_path: Path) -> None:
    make_file(".covcorerc", "[run]\nbranch = true\nconcurrency = thread,greenlet\n")
    result = run_covcore(["debug", "sys"], cwd=tmp_path)
    assert result.returncode == 0
    assert (
        "chosen core: ctrace (branches with concurrency=greenlet: "
        "the sysmon core keeps one frame stack per thread)"
    ) in [line.strip() for line in result.stdout.splitlines()]


# -- Settings and errors --


@pytest.mark.parametrize("core", [*BRANCH_CORES, None], ids=[*BRANCH_CORES, "default"])
def test_subprocesses_get_the_concurrency(make_file: Any, tmp_path: Path, core: Optional[str]) -> None:
    require_startup_hook()
    make_file("prog.py", """\
        import subprocess, sys
        subprocess.run([sys.executable, "child.py"], check=True)
        """)
    make_file("child.py", PINGPONG)
    args = [*_core_args(core), "--branch", "--concurrency", "greenlet", "--subprocess"]
    result, got = covcore_result(tmp_path, args)
    assert (result.returncode, result.stdout, result.stderr) == (0, "[('pong', 0)]\n", "")
    assert got == {"prog.py": [(-1, 1), (1, 2), (2, -1)], "child.py": sorted(PINGPONG_ARCS)}


def test_concurrency_from_config_file(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", GEVENT)
    make_file(".coveragerc", "[run]\nconcurrency = thread,gevent\n")
    result, got = covcore_result(tmp_path, ["--core", core])
    assert (result.returncode, result.stdout, result.stderr) == (0, GEVENT_OUTPUT, "")
    assert got == {"prog.py": marked(prog)}


def test_unknown_concurrency_is_one_error_line(make_file: Any, tmp_path: Path) -> None:
    make_file("prog.py", "print('ran')\n")
    result = run_covcore(["run", "--concurrency", "thread,fibers", "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "covcore: --concurrency: unknown concurrency fibers "
        "(choose from eventlet, gevent, greenlet, multiprocessing, thread)\n"
    )
    make_file(".covcorerc", "[run]\nconcurrency = greenlet, gevent\n")
    result = run_covcore(["run", "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "covcore: .covcorerc: [run] concurrency: conflicting settings gevent, greenlet\n"


def test_eventlet_is_named_as_ignored(make_file: Any, tmp_path: Path) -> None:
    prog = make_file("prog.py", "print('ran')  # R\n")
    result, got = covcore_result(tmp_path, ["--concurrency", "eventlet"])
    assert (result.returncode, result.stdout) == (0, "ran\n")
    assert result.stderr == "covcore: warning: ignoring concurrency eventlet: covcore doesn't support it\n"
    assert got == {"prog.py": marked(prog)}
    make_file(".covcorerc", "[run]\nconcurrency = thread, eventlet\n")
    result, got = covcore_result(tmp_path, [])
    assert (result.returncode, result.stdout) == (0, "ran\n")
    assert result.stderr == (
        "covcore: warning: ignoring settings covcore doesn't support, in .covcorerc: "
        "[run] concurrency = eventlet\n"
    )


@pytest.mark.parametrize("how", ["option", "config"])
def test_missing_greenlet_library_is_one_error_line(make_file: Any, tmp_path: Path, how: str) -> None:
    # A Python without site-packages (-S) and covcore on its path: greenlet is
    # not installed there.
    import covcore

    source = tmp_path / "src"
    source.mkdir()
    (source / "covcore").symlink_to(os.path.dirname(covcore.__file__))
    make_file("prog.py", "print('ran')\n")
    args = ["--concurrency", "gevent"] if how == "option" else []
    if how == "config":
        make_file(".covcorerc", "[run]\nconcurrency = gevent\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COVCORE_"))}
    env["PYTHONPATH"] = str(source)
    result = subprocess.run(
        [sys.executable, "-S", "-m", "covcore", "run", *args, "prog.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "covcore: Couldn't trace with concurrency=gevent, the module isn't installed.\n"


# -- Without --concurrency --


def test_without_concurrency_sysmon_lines_are_exact(make_file: Any, tmp_path: Path) -> None:
    if "sysmon" not in cores.available_cores():
        pytest.skip("the sysmon core needs Python 3.12")
    prog = make_file("prog.py", NESTED)
    helper = make_file("helper.py", NESTED_HELPER)
    result, got = covcore_result(tmp_path, ["--core", "sysmon"])
    assert (result.returncode, result.stdout, result.stderr) == (0, NESTED_OUTPUT, "")
    assert got == {"prog.py": marked(prog), "helper.py": marked(helper)}


@pytest.mark.parametrize("core", BRANCH_CORES)
def test_without_concurrency_settrace_cores_mix_up_greenlets(make_file: Any, tmp_path: Path, core: str) -> None:
    # What docs/trouble.md says: the program runs as before; one data stack
    # for all greenlets is put back in line with the running frames after a
    # switch (the stack resync): in this program, every arc is right.
    make_file("prog.py", GEVENT)
    result, got = covcore_result(tmp_path, ["--core", core, "--branch"])
    assert (result.returncode, result.stdout, result.stderr) == (0, GEVENT_OUTPUT, "")
    assert set(got["prog.py"]) == set(GEVENT_ARCS)

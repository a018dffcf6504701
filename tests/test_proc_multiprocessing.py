"""multiprocessing workers measured without any configuration, with every start method.

Lines marked ``# R`` must be measured, and no others; some run only in the
workers.  See docs/trouble.md, "multiprocessing".
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore
from covcore.data import CoverageData
from proc_helpers import marked, measured, parallel_files

_PROG = """\
import multiprocessing, sys                     # R
def square(x):                                  # R
    import mphelper                             # R
    return mphelper.twice(x) * x // 2           # R
def report(queue):                              # R
    queue.put("from a process")                 # R
def never():                                    # R
    return "never"
if __name__ == "__main__":                      # R
    ctx = multiprocessing.get_context(sys.argv[1])  # R
    with ctx.Pool(2) as pool:                   # R
        print(pool.map(square, range(4)))       # R
    queue = ctx.Queue()                         # R
    process = ctx.Process(target=report, args=(queue,))  # R
    process.start()                             # R
    print(queue.get())                          # R
    process.join()                              # R
"""

# Imported only by the workers.
_HELPER = """\
def twice(x):                                   # R
    return 2 * x                                # R
def unused():                                   # R
    return None
"""


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_workers_are_measured_with_every_start_method(
    make_file: Any, tmp_path: Path, core: str, method: str,
) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    prog = make_file("prog.py", _PROG)
    helper = make_file("mphelper.py", _HELPER)
    result = run_covcore(["run", "--core", core, "prog.py", method], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "[0, 1, 4, 9]\nfrom a process\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog), "mphelper.py": marked(helper)}
    # The workers' data files were combined at the end of the run.
    assert parallel_files(tmp_path) == []


def test_workers_measure_branches_too(make_file: Any, tmp_path: Path, core: str) -> None:
    make_file("prog.py", """\
        import multiprocessing
        def sign(x):
            if x < 0:
                return -1
            return 1
        if __name__ == "__main__":
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                print(pool.map(sign, [5]))
        """)
    result = run_covcore(["run", "--core", core, "--branch", "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "[1]\n", "")
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    # sign() ran in the worker only: 3->5 taken, 3->4 not.
    body = {-2, 3, 4, 5}
    sign_arcs = {arc for arc in data.arcs(str(tmp_path / "prog.py")) or [] if body & set(arc)}
    assert sign_arcs == {(-2, 3), (3, 5), (5, -2)}

"""os.fork, measured by default: the child goes on measuring into a data file of its own.

Tags at the ends of lines say which process measures them: ``P`` the parent
(before the fork too), ``C`` the child (from the line right after ``os.fork()``
returns).  See docs/trouble.md, "os.fork".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore
from proc_helpers import marked, measured, parallel_files

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")

_PROG = """\
import os, sys                                  # P
from helper import child_side, parent_side     # P
pid = os.fork()                                 # P
if pid == 0:                                    # P C
    child_side()                                # C
    {child_exit}                                # C
os.waitpid(pid, 0)                              # P
parent_side()                                   # P
print("parent done", flush=True)                # P
"""

_HELPER = """\
def child_side():                               # P
    print("child", flush=True)                  # C
def parent_side():                              # P
    return "parent"                             # P
"""


@pytest.mark.parametrize("child_exit", ["os._exit(0)", "sys.exit(0)"])
def test_the_forked_child_is_measured_and_combined(
    make_file: Any, tmp_path: Path, core: str, child_exit: str,
) -> None:
    prog = make_file("prog.py", _PROG.format(child_exit=child_exit))
    helper = make_file("helper.py", _HELPER)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "child\nparent done\n", "")
    both = {
        "prog.py": sorted(set(marked(prog, "P")) | set(marked(prog, "C"))),
        "helper.py": sorted(set(marked(helper, "P")) | set(marked(helper, "C"))),
    }
    assert measured(tmp_path / ".covcore") == both
    assert parallel_files(tmp_path) == []


def test_the_child_writes_its_own_file_and_the_parent_is_unaffected(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", _PROG.format(child_exit="os._exit(0)"))
    helper = make_file("helper.py", _HELPER)
    result = run_covcore(["run", "--core", core, "--parallel", "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    files = parallel_files(tmp_path)
    assert len(files) == 2
    by_process = sorted((measured(path) for path in files), key=lambda lines: len(lines["prog.py"]))
    child, parent = by_process
    assert child == {"prog.py": marked(prog, "C"), "helper.py": marked(helper, "C")}
    assert parent == {"prog.py": marked(prog, "P"), "helper.py": marked(helper, "P")}


def test_a_fork_in_a_child_process_is_measured_too(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", """\
        import os                                       # R
        def level(n):                                   # R
            pid = os.fork()                             # R
            if pid == 0:                                # R
                if n == 2:                              # R
                    print("grandchild", flush=True)     # R
                    os._exit(0)                         # R
                level(n + 1)                            # R
                os._exit(0)                             # R
            os.waitpid(pid, 0)                          # R
        level(1)                                        # R
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "grandchild\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}
    assert parallel_files(tmp_path) == []

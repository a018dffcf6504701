"""``COVCORE_TROUBLE_HOOKS=0``: the benchmark harness's switch for the hooks of docs/trouble.md.

The harness measures each workload with and without the hooks, to show that
a program that doesn't need them pays nothing for them.  Those numbers mean
something only if the switch really removes the hooks (and only them), so
this checks what a program sees either way, on every core.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore
from proc_helpers import marked, measured

PROGRAM = """\
import _thread, os, sys                             # R N
done = _thread.allocate_lock()                      # R N
done.acquire()                                      # R N
def in_thread():                                    # R N
    print("thread", flush=True)                     # R
    done.release()                                  # R
_thread.start_new_thread(in_thread, ())             # R N
done.acquire()                                      # R N
def mine(frame, event, arg):                        # R N
    return None                                     # never called: no Python call follows
sys.settrace(mine)                                  # R N
print(sys.gettrace() is mine, os._exit.__module__)  # R N
sys.settrace(None)                                  # R N
"""


@pytest.mark.parametrize("hooks", ["1", "0"])
def test_the_switch_removes_the_hooks_and_nothing_else(make_file: Any, tmp_path: Path, core: str,
                                                       hooks: str) -> None:
    prog = make_file("prog.py", PROGRAM)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path,
                         env={"COVCORE_TROUBLE_HOOKS": hooks})
    assert result.returncode == 0, result.stderr
    if hooks == "1":
        # os._exit is covcore's (data saved on _exit), sys.gettrace() answers
        # what the program set, the _thread thread is measured.
        assert result.stdout == "thread\nTrue covcore.process\n"
        assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog, "R")}
    elif core == "sysmon":
        # sys.monitoring sees every thread and leaves sys.settrace alone anyway.
        assert result.stdout == "thread\nTrue posix\n"
        assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog, "R")}
    else:
        # A plain settrace tracer: the _thread thread is missed.  (This
        # frame's lines still reach the core through its f_trace.)
        assert result.stdout == "thread\nTrue posix\n"
        assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog, "N")}

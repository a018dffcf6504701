"""Python subprocesses: measured when asked (``--subprocess``, ``[run] subprocess = true``), not otherwise.

Lines marked ``# R`` must be measured, and no others.  See docs/trouble.md,
"Subprocesses".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore
from proc_helpers import marked, measured, parallel_files, require_startup_hook

_PROG = """\
import os, subprocess, sys                      # R
def parent():                                   # R
    return 0                                    # R
parent()                                        # R
subprocess.run([sys.executable, "child.py", "1"], check=True)  # R
os.system(f"{sys.executable} child.py 3")       # R
"""

# Run as a child (1), which runs itself again as a grandchild (2); and by a shell (3).
_CHILD = """\
import os, subprocess, sys                      # R
def child(n):                                   # R
    return n                                    # R
print(child(sys.argv[1]), "COVCORE_PROCESS" in os.environ, flush=True)  # R
if sys.argv[1] == "1":                          # R
    subprocess.run([sys.executable, "child.py", "2"], check=True)  # R
"""


@pytest.fixture
def programs(make_file: Any) -> tuple[Path, Path]:
    return make_file("prog.py", _PROG), make_file("child.py", _CHILD)


def test_subprocesses_are_not_measured_by_default(programs: tuple[Path, Path], tmp_path: Path, core: str) -> None:
    prog, _ = programs
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "1 False\n2 False\n3 False\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}


@pytest.mark.parametrize("how", ["--subprocess", ".covcorerc", "pyproject.toml"])
def test_subprocesses_are_measured_when_asked(
    programs: tuple[Path, Path], make_file: Any, tmp_path: Path, core: str, how: str,
) -> None:
    require_startup_hook()
    prog, child = programs
    args = ["run", "--core", core, "prog.py"]
    if how == "--subprocess":
        args.insert(1, how)
    elif how == ".covcorerc":
        make_file(".covcorerc", "[run]\nsubprocess = true\n")
    else:
        make_file("pyproject.toml", "[tool.covcore.run]\nsubprocess = true\n")
    result = run_covcore(args, cwd=tmp_path)
    # Children and grandchildren carry the settings on, for their own children.
    assert (result.returncode, result.stdout, result.stderr) == (0, "1 True\n2 True\n3 True\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog), "child.py": marked(child)}
    assert parallel_files(tmp_path) == []

"""Helpers for the fault and bad-input suites (tests/test_faults_*.py).

Each case is a real ``python -m covcore`` process.  What a user must see
when something goes wrong: the exit status, one clear line on stderr naming
the problem (never a traceback), and the data saved before still readable
and complete.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Optional

from conftest import run_covcore
from proc_helpers import measured

#: A program and the lines it runs, saved before each fault: the data that must survive.
SAVED_PROG = """\
def used():
    return 1
used()
"""
SAVED_LINES = {"saved.py": [1, 2, 3]}


def one_line(result: subprocess.CompletedProcess[str], status: int, *fragments: str) -> str:
    """Check `result` ended with `status` and said one line on stderr holding each of `fragments`."""
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), (fragment, lines[0])
    return lines[0]


def quiet(result: subprocess.CompletedProcess[str], status: int = 0) -> None:
    """Check `result` ended with `status` and said nothing on stderr."""
    assert (result.returncode, result.stderr) == (status, ""), (result.returncode, result.stderr)


def save_some_data(tmp_path: Path, core: str = "", data_file: str = ".covcore", branch: bool = False) -> None:
    """Measure SAVED_PROG into `data_file`: the data a later fault must not lose."""
    (tmp_path / "saved.py").write_text(SAVED_PROG)
    core_args = (["--core", core] if core else []) + (["--branch"] if branch else [])
    result = run_covcore(["run", *core_args, "--data-file", data_file, "saved.py"], cwd=tmp_path)
    quiet(result)
    assert measured(tmp_path / data_file) == SAVED_LINES


def still_saved(tmp_path: Path, data_file: str = ".covcore", extra: Optional[dict[str, list[int]]] = None) -> None:
    """The data of save_some_data (and `extra`) is still in `data_file`, readable, complete."""
    assert measured(tmp_path / data_file) == {**SAVED_LINES, **(extra or {})}
    report = run_covcore(["report", "--data-file", data_file, "-i"], cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "saved.py" in report.stdout


def plain_python(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `script` with plain Python, for what covcore run must print alike."""
    return subprocess.run([sys.executable, script], cwd=cwd, capture_output=True, text=True, timeout=120)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path

"""A report whose output can't be written ends with one line naming the
path and the reason, exit status 1, and no traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from conftest import run_covcore


@pytest.fixture
def measured(tmp_path: Path, make_file: Callable[[str, str], Path]) -> Path:
    make_file("prog.py", "a = 1\nif a:\n    b = 2\n")
    assert run_covcore(["run", "--branch", "prog.py"], cwd=tmp_path).returncode == 0
    (tmp_path / "adir").mkdir()
    (tmp_path / "hc" / "status.json").mkdir(parents=True)
    return tmp_path


@pytest.mark.parametrize("args, path, reason", [
    (["json", "-o", "adir"], "adir", "Is a directory"),
    (["xml", "-o", "adir"], "adir", "Is a directory"),
    (["lcov", "-o", "adir"], "adir", "Is a directory"),
    (["json", "-o", "/proc/covcore-nope.json"], "/proc/covcore-nope.json", "No such file or directory"),
    (["lcov", "-o", "/proc/covcore-nope.info"], "/proc/covcore-nope.info", "No such file or directory"),
    (["html", "-d", "hc"], "hc/status.json", "Is a directory"),
])
def test_an_output_that_cannot_be_written_is_one_line(
    measured: Path, args: list[str], path: str, reason: str,
) -> None:
    result = run_covcore(args, cwd=measured)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"covcore: Couldn't write '{path}': {reason}"]

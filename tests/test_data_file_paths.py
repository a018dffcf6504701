"""Where the data file goes: a directory that isn't there yet is made, and a
device, FIFO or socket given as the data file is never replaced or deleted.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore


def test_a_data_file_in_a_missing_directory_is_saved_there(tmp_path: Path, make_file: Any, core: str) -> None:
    make_file("prog.py", "a = 1\nprint(a)\n")
    result = run_covcore(["run", "--core", core, "--data-file", "nodir/deeper/x", "prog.py"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1\n"
    assert (tmp_path / "nodir" / "deeper" / "x").is_file()
    report = run_covcore(["report", "--data-file", "nodir/deeper/x"], cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "prog.py" in report.stdout and "100%" in report.stdout


def test_a_fifo_as_the_data_file_is_refused_before_the_run_and_kept(tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", "print('ran')\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run_covcore(["run", "--data-file", str(fifo), "prog.py"], cwd=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""      # not measured for nothing
    assert result.stderr.strip().splitlines() == [f"covcore: Couldn't write data to '{fifo}': it isn't a regular file"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)

    erase = run_covcore(["erase", "--data-file", str(fifo)], cwd=tmp_path)
    assert erase.returncode == 0, erase.stderr
    assert f"Not erasing '{fifo}'" in erase.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_device_as_the_data_file_is_refused(tmp_path: Path, make_file: Any) -> None:
    # The test's own device node (a copy of /dev/null's numbers), never the machine's.
    make_file("prog.py", "print('ran')\n")
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.stat("/dev/null").st_rdev)
    except PermissionError:
        pytest.skip("making a device node needs root (CAP_MKNOD)")
    result = run_covcore(["run", "--data-file", str(device), "prog.py"], cwd=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"covcore: Couldn't write data to '{device}': it isn't a regular file"]
    assert stat.S_ISCHR(os.stat(device).st_mode)

    erase = run_covcore(["erase", "--data-file", str(device)], cwd=tmp_path)
    assert erase.returncode == 0, erase.stderr
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_a_failed_save_is_said_once_without_a_traceback(tmp_path: Path, make_file: Any) -> None:
    # Appending lines to data of arcs fails; the atexit save must not try again.
    make_file("prog.py", "a = 1\nif a:\n    b = 2\n")
    assert run_covcore(["run", "--branch", "prog.py"], cwd=tmp_path).returncode == 0
    result = run_covcore(["run", "-a", "prog.py"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("covcore: Can't add lines to data that has arcs")



@pytest.mark.parametrize("dirname", ["a b", "q?x", "h#x", "p%41", "é", "line\nbreak"])
def test_data_files_in_a_directory_with_uri_characters_combine_and_report(
        tmp_path: Path, make_file: Any, dirname: str) -> None:
    # Data files are read through SQLite URIs: every character of the path
    # must reach SQLite as itself (a `%41` isn't an `A`, `?` starts no query).
    here = tmp_path / dirname
    here.mkdir()
    (here / "prog.py").write_text("a = 1\nb = 2\n")
    assert run_covcore(["run", "-p", "prog.py"], cwd=here).returncode == 0
    combined = run_covcore(["combine"], cwd=here)
    assert combined.returncode == 0, combined.stderr
    report = run_covcore(["report"], cwd=here)
    assert (report.returncode, report.stderr) == (0, "")
    assert report.stdout.splitlines()[-1].split() == ["TOTAL", "2", "0", "100%"]

"""``covcore report --diff REV``: only the lines changed since a git revision."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from covcore.diffcov import parse_diff

from conftest import run_covcore

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

OLD = """\
def old(x):
    if x:
        return 1
    return 2
"""

NEW = """\
def old(x):
    if x:
        return 1
    return 2

def added(x):
    if x > 10:
        return "big"
    return "small"

def also_added():
    return None
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd, check=True, capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "mod.py").write_text(OLD)
    (tmp_path / "prog.py").write_text("import mod\nmod.old(1)\n")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "base")
    _git(tmp_path, "checkout", "-q", "-b", "feature")
    (tmp_path / "mod.py").write_text(NEW)
    (tmp_path / "prog.py").write_text("import mod\nmod.old(1)\nmod.added(1)\n")
    _git(tmp_path, "commit", "-q", "-am", "feature")
    (tmp_path / "newfile.py").write_text("def fresh():\n    return 1\n")
    (tmp_path / "prog.py").write_text("import mod, newfile\nmod.old(1)\nmod.added(1)\n")
    return tmp_path


def test_report_counts_only_changed_lines(repo: Path) -> None:
    assert run_covcore(["run", "--branch", "prog.py"], repo).returncode == 0
    whole = run_covcore(["report", "-m"], repo)
    assert "mod.py" in whole.stdout
    diff = run_covcore(["report", "-m", "--diff", "main"], repo)
    assert diff.returncode == 0, diff.stderr
    rows = {line.split()[0]: line.split()[1:] for line in diff.stdout.splitlines() if ".py" in line}
    # mod.py: the 6 new statements (added, its if and returns, also_added and its return).
    assert rows["mod.py"][:2] == ["6", "2"]
    assert rows["newfile.py"][:2] == ["2", "1"]
    assert rows["prog.py"][:2] == ["2", "0"]     # lines 1 and 3 changed
    assert "8, 12" in diff.stdout


def test_fail_under_applies_to_the_changed_lines(repo: Path) -> None:
    assert run_covcore(["run", "prog.py"], repo).returncode == 0
    assert run_covcore(["report", "--fail-under=60"], repo).returncode == 0
    result = run_covcore(["report", "--diff", "main", "--fail-under=80"], repo)
    assert result.returncode == 2
    assert "Coverage failure: total of 70 is less than fail-under=80" in result.stdout


def test_bad_revision_is_one_line(repo: Path) -> None:
    assert run_covcore(["run", "prog.py"], repo).returncode == 0
    result = run_covcore(["report", "--diff", "no-such-branch"], repo)
    assert result.returncode == 1
    assert result.stderr.startswith("covcore: Couldn't get the changes since 'no-such-branch': ")
    assert len(result.stderr.splitlines()) == 1


def test_not_a_repository(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text("x = 1\n")
    assert run_covcore(["run", "prog.py"], tmp_path).returncode == 0
    result = run_covcore(["report", "--diff", "main"], tmp_path)
    assert result.returncode == 1 and "not a git repository" in result.stderr


def test_parse_diff() -> None:
    text = textwrap.dedent("""\
        diff --git a/a.py b/a.py
        --- a/a.py
        +++ b/a.py
        @@ -1,0 +2,3 @@ def f():
        +x
        +y
        +z
        @@ -10 +13 @@
        -old
        +new
        @@ -20,2 +22,0 @@
        -gone
        -gone
        diff --git a/gone.py b/gone.py
        --- a/gone.py
        +++ /dev/null
        @@ -1 +0,0 @@
        -x
    """)
    assert parse_diff(text) == {"a.py": {2, 3, 4, 13}}


def _missing(text: str) -> list[int]:
    """Line numbers of a report's Missing column ("8, 12-14")."""
    numbers: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        numbers.extend(range(int(first), int(last or first) + 1))
    return numbers


def test_changed_lines_agree_with_diff_cover(repo: Path) -> None:
    import diff_cover  # noqa: F401 - a test requirement: missing, the test fails
    assert run_covcore(["run", "prog.py"], repo).returncode == 0
    assert run_covcore(["xml", "-o", "coverage.xml"], repo).returncode == 0
    subprocess.run(
        [sys.executable, "-m", "diff_cover.diff_cover_tool", "coverage.xml", "--compare-branch=main",
         "--include-untracked", "--format", "json:diff.json"],
        cwd=repo, check=True, capture_output=True,
    )
    theirs = json.loads((repo / "diff.json").read_text())
    ours = run_covcore(["report", "-m", "--diff", "main"], repo)
    assert ours.returncode == 0, ours.stderr
    rows = [line.split(None, 4) for line in ours.stdout.splitlines() if ".py" in line]
    assert {row[0]: _missing(row[4] if len(row) > 4 else "") for row in rows} == {
        name: stats["violation_lines"] for name, stats in theirs["src_stats"].items()
    }
    total = ours.stdout.splitlines()[-1].split()
    assert (int(total[1]), int(total[2])) == (theirs["total_num_lines"], theirs["total_num_violations"])
    assert total[3] == f"{theirs['total_percent_covered']}%"

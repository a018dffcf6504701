"""Diff coverage: the lines changed since a git revision (``covcore report --diff REV``).

The changed lines are those git shows as added or modified between the point
where the current branch left `REV` (``git merge-base REV HEAD``) and the
working tree, staged or not, plus every line of the untracked files git
does not ignore: the code a pull request adds, as diff-cover counts it.
Reports then count only the statements (and branches) on those lines.
"""

from __future__ import annotations

import os
import re
import subprocess
from typing import Optional

from covcore.exceptions import CovcoreError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def _git(args: list[str], cwd: Optional[str], rev: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
        )
    except OSError as exc:
        raise CovcoreError(f"Couldn't get the changes since {rev!r}: can't run git ({exc.strerror})") from None
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        reason = lines[0] if lines else "git failed"
        raise CovcoreError(f"Couldn't get the changes since {rev!r}: {reason.removeprefix('fatal: ')}")
    return result.stdout


def parse_diff(text: str) -> dict[str, set[int]]:
    """The added or changed lines per file (as git names it) of a ``-U0`` diff."""
    changed: dict[str, set[int]] = {}
    current: Optional[set[int]] = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            name = line[4:].split("\t")[0]
            if name == "/dev/null":
                current = None
            else:
                if name.startswith('"') and name.endswith('"'):
                    name = name[1:-1]
                current = changed.setdefault(name[2:] if name.startswith("b/") else name, set())
        elif current is not None:
            match = _HUNK.match(line)
            if match:
                start = int(match[1])
                count = 1 if match[2] is None else int(match[2])
                current.update(range(start, start + count))
    return changed


def changed_lines(rev: str, cwd: Optional[str] = None) -> dict[str, set[int]]:
    """Real path of each changed file -> its changed line numbers (see the module docstring)."""
    top = _git(["rev-parse", "--show-toplevel"], cwd, rev).strip()
    base = _git(["merge-base", rev, "HEAD"], cwd, rev).strip()
    diff = _git(
        ["-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--no-renames", "--unified=0", base, "--"], top, rev,
    )
    changed = {
        os.path.realpath(os.path.join(top, name)): lines for name, lines in parse_diff(diff).items() if lines
    }
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top, rev)
    for name in untracked.split("\0"):
        if name.endswith((".py", ".pyw")):
            path = os.path.join(top, name)
            try:
                with open(path, "rb") as f:
                    count = f.read().count(b"\n") + 1
            except OSError:
                continue
            changed[os.path.realpath(path)] = set(range(1, count + 1))
    return changed

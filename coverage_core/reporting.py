"""Helpers shared by the reports: file names as shown, ordering, the no-data case."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Any, TypeVar

from covcore.exceptions import CovcoreError
from covcore.results import Analysis
from covcore.types import TLineNo


Row = TypeVar("Row", bound=Sequence[Any])


class NoDataError(CovcoreError):
    """There is nothing to report."""


def relative_directory(directory: str | None = None) -> str:
    """The prefix stripped from file names: `directory` (default: the current
    directory), absolute, symlinks resolved, case-normalized, ending in a
    separator."""
    path = os.path.realpath(os.path.abspath(directory or os.curdir))
    if not path.endswith(os.sep):
        path += os.sep
    return os.path.normcase(path)


def relative_filename(filename: str, relative_to: str | None = None) -> str:
    """`filename` as reports show it: relative to `relative_to` (default: the
    current directory) when inside it, else unchanged."""
    prefix = relative_directory(relative_to)
    if os.path.normcase(filename).startswith(prefix):
        return filename[len(prefix) :]
    return filename


def printable(text: str) -> str:
    """`text` with non-printable characters (terminal escapes...) shown as ``?``."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else "?" for char in text)


def human_key(text: str) -> tuple[list[str | int], str]:
    """A sort key that orders the numbers inside strings numerically.

    ``"file10"`` sorts after ``"file9"``; the text itself breaks ties.
    """
    parts: list[str | int] = []
    for index, part in enumerate(re.split(r"(\d+)", text)):
        parts.append(int(part) if index % 2 else part)
    return parts, text


def human_sorted_rows(rows: list[Row], reverse: bool = False) -> list[Row]:
    """Sort report rows by their first item (a name) in human order."""
    return sorted(rows, key=lambda row: (human_key(row[0]), *row[1:]), reverse=reverse)


def check_has_data(analyses: Sequence[Analysis]) -> None:
    """Raise "No data to report." when there is no file to report on."""
    if not analyses:
        raise NoDataError("No data to report.")


def by_filename(analyses: Sequence[Analysis]) -> list[Analysis]:
    """The analyses in the order reports process files: by file name."""
    return sorted(analyses, key=lambda analysis: analysis.filename)


def branch_stats(analysis: Analysis) -> dict[TLineNo, tuple[int, int]]:
    """Branch line -> (possible exits, exits taken), for line-by-line reports.

    Exits taken are the possible exits less the missing branch arcs, as
    coverage.py counts them (so an exit that only an exception takes counts
    as taken once its arc is not missing).
    """
    if not analysis.has_arcs:
        return {}
    missing = analysis.missing_branch_arcs()
    stats = {}
    for line, exits in analysis.exit_counts.items():
        if exits > 1:
            stats[line] = (exits, exits - len(missing.get(line, ())))
    return stats


def ensure_dir(directory: str, purpose: str) -> None:
    """Create `directory` (and its parents) if needed.

    If it can't be, a :class:`CovcoreError` says which directory, what it
    was for (`purpose`, e.g. ``HTML report``) and why.
    """
    if not directory:
        return
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise CovcoreError(f"Couldn't create directory {os.path.abspath(directory)!r} for {purpose}: {exc}") from None


def write_report_file(outfile: str, text: str, kind: str) -> None:
    """Write a report's text to the file `outfile` (``-``: standard output).

    The file's directory is created if needed; `kind` (``XML report``)
    names the report if it can't be.
    """
    if outfile == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    ensure_dir(os.path.dirname(outfile), f"{kind} {os.path.abspath(outfile)!r}")
    with open(outfile, "w", encoding="utf-8") as out:
        out.write(text)

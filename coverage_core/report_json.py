"""The JSON report, in coverage.py's format 3, so tools written for it read ours.

The document has ``meta`` (format, version, timestamp, branch_coverage,
show_contexts), ``files`` keyed by the file name as shown in reports, and
``totals``.  Each file has its executed, missing and excluded lines, a
``summary`` of counts, and its numbers broken down by ``functions`` and by
``classes`` (each with an entry ``""`` for the lines outside any of them).
Branch data adds the branch counts to each summary and
``executed_branches``/``missing_branches`` lists.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from covcore.regions import REGION_KINDS
from covcore.reporting import by_filename, check_has_data, ensure_dir, relative_filename
from covcore.results import Analysis, Numbers
from covcore.types import TLineNo
from covcore.version import __version__

#: The version of the JSON format (coverage.py's numbering).
FORMAT_VERSION = 3

JsonObj = dict[str, Any]


def _summary(nums: Numbers, branches: bool) -> JsonObj:
    """The ``summary`` object for a file, a region or the totals."""
    summary: JsonObj = {
        "covered_lines": nums.n_executed,
        "num_statements": nums.n_statements,
        "percent_covered": nums.pc_covered,
        "percent_covered_display": nums.pc_covered_str,
        "missing_lines": nums.n_missing,
        "excluded_lines": nums.n_excluded,
        "percent_statements_covered": nums.pc_statements,
        "percent_statements_covered_display": nums.pc_statements_str,
    }
    if branches:
        summary.update(
            {
                "num_branches": nums.n_branches,
                "num_partial_branches": nums.n_partial_branches,
                "covered_branches": nums.n_executed_branches,
                "missing_branches": nums.n_missing_branches,
                "percent_branches_covered": nums.pc_branches,
                "percent_branches_covered_display": nums.pc_branches_str,
            }
        )
    return summary


def _pairs(branch_arcs: dict[TLineNo, list[TLineNo]]) -> list[list[TLineNo]]:
    """``{line: [dest, ...]}`` as ``[[line, dest], ...]``."""
    return [[line, dest] for line, dests in branch_arcs.items() for dest in dests]


def _contexts(analysis: Analysis) -> dict[TLineNo, list[str]]:
    """Line -> the contexts that ran it, from the analysis' data.

    Data without recorded contexts ran every line in the empty context.
    """
    data = analysis.data
    if data is None:
        return {}
    by_line = getattr(data, "contexts_by_lineno", None)
    if callable(by_line):
        return dict(by_line(analysis.filename))
    return {line: [""] for line in sorted(set(data.lines(analysis.filename) or ()))}


def _entry(
    analysis: Analysis,
    precision: int,
    branches: bool,
    contexts: dict[TLineNo, list[str]] | None,
    start_line: int | None = None,
) -> JsonObj:
    """The report object of a file or a region (keys in coverage.py's order)."""
    entry: JsonObj = {
        "executed_lines": sorted(analysis.executed),
        "summary": _summary(analysis.numbers.with_precision(precision), branches),
        "missing_lines": sorted(analysis.missing),
        "excluded_lines": sorted(analysis.excluded),
    }
    if start_line is not None:
        entry["start_line"] = start_line
    if contexts is not None:
        entry["contexts"] = contexts
    if branches:
        entry["executed_branches"] = _pairs(analysis.executed_branch_arcs())
        entry["missing_branches"] = _pairs(analysis.missing_branch_arcs())
    return entry


def _file_report(
    analysis: Analysis, precision: int, branches: bool, show_contexts: bool
) -> JsonObj:
    """The ``files`` entry of one file, with its functions and classes.

    Regions are listed by their ``def``/``class`` line, the lines outside
    them last.  A repeated name (a property's getter and setter) stays with
    the first region of that name that has statements; each other one gets
    ``@<def line>``.  Each region shows the contexts of its own lines.
    (coverage.py 7.18's rules.)
    """
    contexts = _contexts(analysis) if show_contexts else None
    report = _entry(analysis, precision, branches, contexts)
    for kind, plural in REGION_KINDS:
        *regions, outside = analysis.by_region(kind)
        regions.sort(key=lambda part: part.start)
        kept = {part.name for part in regions if part.analysis.numbers.n_statements}
        by_name: JsonObj = {}
        for part in [*regions, outside]:
            name = part.name
            empty = not part.analysis.numbers.n_statements
            if part is not outside and (name in by_name or (name in kept and empty)):
                name += f"@{part.start}"
            own = None
            if contexts is not None:
                own = {line: names for line, names in contexts.items() if line in part.lines}
            by_name[name] = _entry(part.analysis, precision, branches, own, part.start)
        report[plural] = by_name
    return report


def json_report(
    analyses: Sequence[Analysis],
    outfile: str,
    pretty: bool = False,
    show_contexts: bool = False,
    meta: Mapping[str, Any] | None = None,
    precision: int = 0,
    relative_to: str | None = None,
) -> float:
    """Write the JSON report of `analyses` to `outfile` (``-``: standard output).

    `pretty` indents the JSON; `show_contexts` adds each line's contexts.
    `meta` entries override the generated ``meta`` fields.  `precision` is
    the number of decimals of the ``*_display`` percentages; file names are
    relative to `relative_to` (default: the current directory).  Returns the
    total percentage (0.0 when there are no statements).  No analyses at
    all raises "No data to report.".
    """
    check_has_data(analyses)
    branches = any(analysis.has_arcs for analysis in analyses)
    document: JsonObj = {
        "meta": {
            "format": FORMAT_VERSION,
            "version": __version__,
            "timestamp": datetime.datetime.now().isoformat(),
            "branch_coverage": branches,
            "show_contexts": show_contexts,
            **(meta or {}),
        }
    }
    total = Numbers(precision=precision)
    files: JsonObj = {}
    for analysis in by_filename(analyses):
        total += analysis.numbers
        name = relative_filename(analysis.filename, relative_to)
        files[name] = _file_report(analysis, precision, branches, show_contexts)
    document["files"] = files
    document["totals"] = _summary(total, branches)
    _dump(document, outfile, pretty)
    return float(total.pc_covered) if total.n_statements else 0.0


def _dump(document: JsonObj, outfile: str, pretty: bool) -> None:
    """Write `document` as JSON to the file `outfile`, or stdout for ``-``."""
    indent = 4 if pretty else None
    if outfile == "-":
        json.dump(document, sys.stdout, indent=indent)
        return
    ensure_dir(os.path.dirname(outfile), f"JSON report {os.path.abspath(outfile)!r}")
    with open(outfile, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=indent)


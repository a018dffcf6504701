"""The LCOV report, record for record as coverage.py's ``coverage lcov``.

One record per file, sorted by the name reports show::

    SF:pkg/mod.py
    DA:<line>,<0|1>[,<md5 of the line>]     every statement
    LF:<statements>  LH:<executed>
    FN:<first>,<last>,<name>  FNDA:<0|1>,<name>   every function with statements
                                 (its body's lines; a repeated name gets @<def line>)
    FNF:<functions>  FNH:<functions run>
    BRDA:<line>,0,<what the branch does>,<1|0|->   every exit of a branch line
    BRF:<branches>  BRH:<branches taken>
    end_of_record

A branch is ``1`` when taken, ``0`` when not, ``-`` when its line ran but
left by none of its exits (it always raised).  lcov 2's ``genhtml`` reads it.

lcov 1.x (Debian 12's ``genhtml``, for one) skips the records whose fields
it does not know: ``FN`` with an end line and ``BRDA`` with a description.
``format="lcov1"`` writes those as it wants them, ``FN:<first>,<name>`` and
``BRDA:<line>,0,<exit number>,<taken>``; the numbers stay the same.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from covcore.exceptions import ConfigError
from covcore.reporting import branch_stats, check_has_data, printable, relative_filename, write_report_file
from covcore.results import Analysis, Numbers


def line_hash(line: str) -> str:
    """An LCOV line checksum: MD5 (a fingerprint, not security), base64, no padding."""
    digest = hashlib.md5(line.encode("utf-8"), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii").rstrip("=")


def _lines(analysis: Analysis, checksums: bool, out: list[str]) -> None:
    """The DA records, and LF/LH when there are statements."""
    source_lines = analysis.source_text().splitlines() if checksums else []
    for line in sorted(analysis.statements):
        suffix = f",{line_hash(source_lines[line - 1])}" if source_lines else ""
        out.append(f"DA:{line},{int(line not in analysis.missing)}{suffix}\n")
    if analysis.statements:
        out.append(f"LF:{analysis.numbers.n_statements}\nLH:{analysis.numbers.n_executed}\n")


#: The record layouts: coverage.py's (lcov 2.x), or the one lcov 1.x reads.
FORMATS = ("coverage", "lcov1")


def _functions(analysis: Analysis, out: list[str], lcov1: bool) -> None:
    """FN/FNDA for each function with statements (hit if any of it ran), FNF/FNH."""
    regions = [region for region in analysis.code_regions() if region.kind == "function" and region.lines]
    if not regions:
        return
    narrowed = analysis.narrowed([region.lines for region in regions])
    # A function spans its body's lines, not its ``def`` line: lcov 2.4 calls
    # a file inconsistent when a line it is told ran (the ``def``, run at
    # import) lies in a function it is told never ran.  (coverage.py 7.18.)
    functions = sorted((min(region.lines), max(region.lines), index) for index, region in enumerate(regions))
    found = hit_count = 0
    seen: set[str] = set()
    for first, last, index in functions:
        part = narrowed[index]
        if not part.statements:
            continue
        found += 1
        hit = int(part.numbers.n_executed > 0)
        hit_count += hit
        name = printable(regions[index].name)
        if name in seen:
            name += f"@{regions[index].start}"
        else:
            seen.add(name)
        where = f"{first}" if lcov1 else f"{first},{last}"
        out.append(f"FN:{where},{name}\nFNDA:{hit},{name}\n")
    out.append(f"FNF:{found}\nFNH:{hit_count}\n")


def _branches(analysis: Analysis, out: list[str], lcov1: bool) -> None:
    """BRDA for each exit of each branch line, then BRF/BRH."""
    stats = branch_stats(analysis)
    executed = analysis.executed_branch_arcs()
    missing = analysis.missing_branch_arcs()
    parser = analysis.parser
    for line in sorted(analysis.statements):
        if line not in stats:
            continue
        if stats[line][1] == 0:
            # Not one exit taken: the line always raised (or never ran).
            dests = [(dest, "-") for dest in missing.get(line, ())]
        else:
            dests = [(dest, "1") for dest in executed.get(line, ())]
            dests += [(dest, "0") for dest in missing.get(line, ())]
        # Leaving the function reads as the second way out of an `if`: last.
        dests.sort(key=lambda item: (item[0] < 0, item))
        for number, (dest, taken) in enumerate(dests):
            if lcov1:
                what = str(number)
            elif parser is not None:
                what = printable(parser.arc_description(line, dest))
            else:
                what = f"jump to line {dest}"
            out.append(f"BRDA:{line},0,{what},{taken}\n")
    total = sum(exits for exits, _ in stats.values())
    if total:
        taken_total = sum(taken for _, taken in stats.values())
        out.append(f"BRF:{total}\nBRH:{taken_total}\n")


def lcov_report(
    analyses: Sequence[Analysis],
    outfile: str,
    checksums: bool = False,
    skip_empty: bool = False,
    relative_to: str | None = None,
    precision: int = 0,
    format: str = "coverage",
) -> float:
    """Write the LCOV report of `analyses` to `outfile` (``-``: stdout).

    `checksums` adds each line's MD5 to its DA record; `skip_empty` leaves
    out files without statements.  `format` is ``coverage`` (coverage.py's
    records) or ``lcov1`` (see the module's doc).  Returns the total percent covered (0.0
    for nothing to count); no analyses at all raises "No data to report.".
    """
    if format not in FORMATS:
        raise ConfigError(f"Unknown LCOV format {format!r}: use one of {', '.join(FORMATS)}")
    check_has_data(analyses)
    lcov1 = format == "lcov1"
    named = sorted((relative_filename(a.filename, relative_to), a.filename, a) for a in analyses)
    total = Numbers(precision=precision)
    out: list[str] = []
    for name, _, analysis in named:
        total += analysis.numbers
        if skip_empty and not analysis.statements:
            continue
        out.append(f"SF:{printable(name)}\n")
        _lines(analysis, checksums, out)
        _functions(analysis, out, lcov1)
        if analysis.has_arcs:
            _branches(analysis, out, lcov1)
        out.append("end_of_record\n")
    write_report_file(outfile, "".join(out), "LCOV report")
    return float(total.pc_covered) if total.n_statements else 0.0

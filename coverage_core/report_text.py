"""The text summary report: one row per file, a TOTAL row, as coverage.py prints it.

::

    Name      Stmts   Miss  Cover   Missing
    ---------------------------------------
    a.py          9      2    78%   4-5
    ---------------------------------------
    TOTAL         9      2    78%

Branch data adds ``Branch`` and ``BrPart`` columns, and the Missing column
then shows partial branches as ``12->15`` (``12->exit`` for leaving the
function or module).  The same table can be written as Markdown, or the
report can be just the total percentage.  Layout, widths, sorting, escaping
and the skip messages equal coverage.py 7.17's ``coverage report``.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import IO, Any

from covcore.exceptions import ConfigError
from covcore.reporting import (
    by_filename,
    check_has_data,
    human_sorted_rows,
    printable,
    relative_filename,
)
from covcore.results import Analysis, Numbers, display_covered

# Each column's format in the header; rows use the same widths.
_HEADER_FORMATS = {
    "Name": "{:{name_len}}",
    "Stmts": "{:>7}",
    "Miss": "{:>7}",
    "Branch": "{:>7}",
    "BrPart": "{:>7}",
    "Cover": "{:>{n}}",
    "Missing": "{:>10}",
}
_ROW_FORMATS = {**_HEADER_FORMATS, "Cover": "{:>{n}}%", "Missing": "   {:9}"}

# The same for Markdown: header and rows, and the bold TOTAL row.
_MD_HEADER_FORMATS = {
    "Name": "| {:{name_len}}|",
    "Stmts": "{:>9} |",
    "Miss": "{:>9} |",
    "Branch": "{:>9} |",
    "BrPart": "{:>9} |",
    "Cover": "{:>{n}} |",
    "Missing": "{:>10} |",
}
_MD_ROW_FORMATS = {**_MD_HEADER_FORMATS, "Cover": "{:>{n}}% |"}
_MD_TOTAL_FORMATS = {**_MD_HEADER_FORMATS, "Name": "|{:{name_len}} |"}

#: The report formats: the table as text, as Markdown, or only the total.
OUTPUT_FORMATS = ("text", "markdown", "total")

# Punctuation that means something in a Markdown table gets a backslash.
_MARKDOWN_ESCAPES = str.maketrans(
    {char: "\\" + char for char in string.punctuation if char not in ".,/-"}
)


def escape_markdown(text: str) -> str:
    """`text` with the characters Markdown would interpret escaped."""
    return text.translate(_MARKDOWN_ESCAPES)


def _plural(count: int, noun: str) -> str:
    """``"1 file"``, ``"2 files"``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _sort_rows(rows: list[list[Any]], sort: str | None, branches: bool) -> list[list[Any]]:
    """Order the rows by `sort`: a column name, ``-`` first for descending."""
    option = (sort or "name").lower()
    reverse = option.startswith("-")
    if option[:1] in ("-", "+"):
        option = option[1:]
    columns = {"name": 0, "stmts": 1, "miss": 2, "cover": -1}
    if branches:
        columns.update(branch=3, brpart=4)
    if option not in columns:
        raise ConfigError(f"Invalid sorting option: {sort!r}")
    if option == "name":
        return human_sorted_rows(rows, reverse=reverse)
    index = columns[option]
    return sorted(rows, key=lambda row: (row[index], row[0]), reverse=reverse)


def _write(out: IO[str], line: str) -> None:
    """Write one line without trailing blanks."""
    out.write(line.rstrip())
    out.write("\n")


def _format_row(header: Sequence[str], values: Sequence[Any], name_len: int, n: int) -> str:
    """One data or TOTAL row."""
    return "".join(
        _ROW_FORMATS[column].format(str(value), name_len=name_len, n=n)
        for column, value in zip(header, values)
    )


def text_report(
    analyses: Sequence[Analysis],
    out: IO[str],
    show_missing: bool,
    precision: int,
    skip_covered: bool = False,
    skip_empty: bool = False,
    sort: str | None = None,
    relative_to: str | None = None,
    output_format: str | None = None,
) -> float:
    """Write the summary table of `analyses` to `out`; return the total percent.

    `show_missing` adds the Missing column; `precision` is the number of
    decimals of percentages.  `skip_covered` leaves out fully covered
    files, `skip_empty` files without statements (both still count in the
    TOTAL).  `sort` is a column name (``name``, ``stmts``, ``miss``,
    ``branch``, ``brpart``, ``cover``), ``-`` first for descending.  File
    names are shown relative to `relative_to` (default: the current
    directory).  `output_format` is ``text`` (default), ``markdown`` or
    ``total`` (only the total percentage).  No analyses at all raises
    "No data to report.".
    """
    output_format = output_format or "text"
    if output_format not in OUTPUT_FORMATS:
        raise ConfigError(f"Unknown report format choice: {output_format!r}")
    check_has_data(analyses)
    display_covered(0.0, precision)  # Reject a bad precision before writing.
    branches = any(analysis.has_arcs for analysis in analyses)
    total = Numbers(precision=precision)
    rows: list[list[Any]] = []
    skipped = empty = 0
    for analysis in by_filename(analyses):
        nums = analysis.numbers.with_precision(precision)
        total += nums
        if skip_covered and nums.n_missing == 0 and nums.n_partial_branches == 0:
            skipped += 1
            continue
        if skip_empty and nums.n_statements == 0:
            empty += 1
            continue
        name = printable(relative_filename(analysis.filename, relative_to))
        row: list[Any] = [name, nums.n_statements, nums.n_missing]
        if branches:
            row += [nums.n_branches, nums.n_partial_branches]
        row.append(nums.pc_covered_str)
        if show_missing:
            row.append(analysis.missing_formatted(branches=True))
        row.append(nums.pc_covered)
        rows.append(row)

    if output_format == "total":
        _write(out, total.pc_covered_str)
        return total.pc_covered

    header = ["Name", "Stmts", "Miss"]
    if branches:
        header += ["Branch", "BrPart"]
    header.append("Cover")
    if show_missing:
        header.append("Missing")
    rows = _sort_rows(rows, sort, branches)

    total_row: list[Any] = ["TOTAL", total.n_statements, total.n_missing]
    if branches:
        total_row += [total.n_branches, total.n_partial_branches]
    total_row.append(total.pc_covered_str)
    if show_missing:
        total_row.append("")

    end_lines = []
    if skip_covered and skipped:
        end_lines.append(f"\n{_plural(skipped, 'file')} skipped due to complete coverage.")
    if skip_empty and empty:
        end_lines.append(f"\n{_plural(empty, 'empty file')} skipped.")

    if output_format == "markdown":
        _write_markdown(out, header, rows, total_row)
    else:
        _write_text(out, header, rows, total_row)
    for line in end_lines:
        _write(out, line)
    return total.pc_covered


def _write_text(
    out: IO[str], header: list[str], rows: list[list[Any]], total_row: list[Any]
) -> None:
    """The table as aligned text, with rules around the rows."""
    cover = header.index("Cover")
    name_len = max([len(row[0]) for row in rows] + [5]) + 1
    cover_len = max(len(total_row[cover]) + 2, len(" Cover")) + 1
    cover_len = max([cover_len] + [len(row[cover]) + 2 for row in rows])
    header_line = "".join(
        _HEADER_FORMATS[column].format(column, name_len=name_len, n=cover_len)
        for column in header
    )
    rule = "-" * len(header_line)

    _write(out, header_line)
    _write(out, rule)
    for row in rows:
        _write(out, _format_row(header, row, name_len, cover_len - 1))
    if rows:
        _write(out, rule)
    _write(out, _format_row(header, total_row, name_len, cover_len - 1))


def _write_markdown(
    out: IO[str], header: list[str], rows: list[list[Any]], total_row: list[Any]
) -> None:
    """The table in Markdown: escaped names, right-aligned numbers, a bold TOTAL."""
    name_len = max((len(escape_markdown(row[0])) for row in rows), default=0)
    name_len = max(name_len, len("**TOTAL**")) + 1
    cover_len = max(len(total_row[header.index("Cover")]) + 6, len(" Cover "))
    cells = [
        _MD_HEADER_FORMATS[column].format(column, name_len=name_len, n=cover_len)
        for column in header
    ]
    _write(out, "".join(cells))
    alignments = ["- |".rjust(len(cells[0]) - 1, "-")]
    alignments += ["-: |".rjust(len(cell) - 1, "-") for cell in cells[1:]]
    _write(out, "|" + " ".join(alignments))
    for row in rows:
        _write(
            out,
            "".join(
                _MD_ROW_FORMATS[column].format(
                    escape_markdown(str(value)), name_len=name_len, n=cover_len - 1
                )
                for column, value in zip(header, row)
            ),
        )
    total_cells = []
    for column, value in zip(header, total_row):
        if value == "":
            text = ""
        elif column == "Cover":
            text = f" **{value}%**"
        else:
            text = f" **{value}**"
        total_cells.append(
            _MD_TOTAL_FORMATS[column].format(text, name_len=name_len, n=cover_len)
        )
    _write(out, "".join(total_cells))

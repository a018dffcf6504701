"""The HTML of the report's pages: the index pages and one page per source file.

Pure functions from report data to page text; covcore.report_html decides
what to render and writes the files.  Every page links the report's own
``covcore.css`` and ``covcore.js`` (copied next to the pages from
``htmlfiles/``) and nothing else, so the report works from ``file://`` and
offline.  The script adds sorting, filtering, highlight toggles and
keyboard navigation; without it the pages still show everything.

Line states are told by colour *and* by a mark in the gutter (``✓`` run,
``✗`` missing, ``◐`` partial, ``⊘`` excluded) and a border style, so they
do not rely on telling red from green.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

from covcore.html_source import TPiece
from covcore.results import Numbers
from covcore.types import TLineNo
from covcore.version import __version__

#: Index columns after the name(s): (key used by sorting and filtering,
#: heading, Numbers attribute), the branch columns only for branch data.
COLUMNS = [
    ("stmts", "statements", "n_statements"),
    ("miss", "missing", "n_missing"),
    ("excl", "excluded", "n_excluded"),
    ("branch", "branches", "n_branches"),
    ("part", "partial", "n_partial_branches"),
]

#: With branch data the columns are grouped, as coverage.py's index does:
#: (group heading, the keys of its columns); a group's percentage column
#: ("scover", "bcover", "cover") comes last in it.
GROUPS = [
    ("Statements", ["stmts", "miss", "excl", "scover"]),
    ("Branches", ["branch", "part", "bcover"]),
    ("Total", ["cover"]),
]

#: Percentage columns: key -> (heading words for screen readers, Numbers
#: attribute of the percentage, of its text, of the (covered, total) pair).
PERCENT_COLUMNS = {
    "scover": ("of statements", "pc_statements", "pc_statements_str"),
    "bcover": ("of branches", "pc_branches", "pc_branches_str"),
    "cover": ("in total", "pc_covered", "pc_covered_str"),
}

#: Line category -> (gutter mark, words for screen readers).
LINE_MARKS = {
    "run": ("✓", "run"),
    "mis": ("✗", "missing"),
    "par": ("◐", "partly run: a branch was never taken"),
    "exc": ("⊘", "excluded"),
}

#: The keys of the pages, for the help panel: (keys, what they do).
FILE_KEYS = [
    ("j n", "next missed region"), ("k p", "previous missed region"),
    ("]", "next file"), ("[", "previous file"), ("u", "up to the index"),
    ("r m b x", "highlight run, missing, partial-branch, excluded lines, or not"),
    ("?", "show or hide this help"),
]
INDEX_KEYS = [("/", "filter"), ("?", "show or hide this help")]


@dataclass
class IndexRow:
    """One row of an index page: a file, or a function or class of a file."""

    file: str
    url: str
    nums: Numbers
    #: For function and class rows: the dotted name ("" for the lines
    #: outside any), and the name sorted by.
    region: str | None = None
    sort_name: str = ""


@dataclass
class IndexPage:
    """What an index page shows."""

    noun: str
    plural: str
    filename: str
    rows: list[IndexRow] = field(default_factory=list)
    totals: Numbers = field(default_factory=Numbers)
    skipped_covered: int = 0
    skipped_empty: int = 0


@dataclass
class SourceLine:
    """One line of a file page."""

    number: TLineNo
    pieces: list[TPiece]
    #: "run", "mis", "par", "exc", the same with "2" for the later lines
    #: of a multi-line statement, or "" for a line that is no statement.
    category: str = ""
    #: For a partial line: (short, sentence) per branch not taken.
    annotations: list[tuple[str, str]] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)


@dataclass
class FilePage:
    """What a file page shows."""

    relative_name: str
    nums: Numbers
    lines: list[SourceLine]
    prev_url: str
    next_url: str
    has_arcs: bool
    #: Functions and classes: (kind, dotted name, first line), for a table of contents.
    regions: list[tuple[str, str, TLineNo]] = field(default_factory=list)
    contexts_note: str = ""


def _plural(count: int, noun: str, plural: str) -> str:
    return f"{count} {noun if count == 1 else plural}"


def _head(title: str, asset_version: str, body_attrs: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n"
        "<link rel=\"icon\" href=\"data:,\">\n"
        f"<link rel=\"stylesheet\" href=\"covcore.css?v={asset_version}\">\n"
        f"<script src=\"covcore.js?v={asset_version}\" defer></script>\n"
        f"</head>\n<body {body_attrs}>\n"
        "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
    )


def _help(keys: Sequence[tuple[str, str]]) -> str:
    items = "".join(
        f"<dt>{' '.join(f'<kbd>{escape(k)}</kbd>' for k in key.split())}</dt><dd>{escape(what)}</dd>"
        for key, what in keys
    )
    return (
        "<div id=\"help\" class=\"help\" role=\"dialog\" aria-label=\"Keyboard shortcuts\" hidden>"
        f"<h2>Keyboard shortcuts</h2><dl>{items}</dl>"
        "<button type=\"button\" class=\"close-help\">Close</button></div>\n"
    )


def _footer(timestamp: str) -> str:
    when = f" at {escape(timestamp)}" if timestamp else ""
    return (
        f"<footer><p>Created by covcore {escape(__version__)}{when}. "
        "Press <kbd>?</kbd> for keyboard shortcuts.</p></footer>\n"
    )


def column_keys(has_arcs: bool) -> list[str]:
    """The keys of an index's number columns, in order."""
    if has_arcs:
        return [key for _, keys in GROUPS for key in keys]
    return ["stmts", "miss", "excl", "cover"]


def _ratio(nums: Numbers, key: str) -> tuple[int, int]:
    if key == "scover":
        return nums.n_executed, nums.n_statements
    if key == "bcover":
        return nums.n_executed_branches, nums.n_branches
    return nums.ratio_covered


def _number_cells(nums: Numbers, has_arcs: bool) -> str:
    attrs = {key: attr for key, _, attr in COLUMNS}
    cells = []
    for key in column_keys(has_arcs):
        if key in PERCENT_COLUMNS:
            _, value_attr, text_attr = PERCENT_COLUMNS[key]
            covered, total = _ratio(nums, key)
            cells.append(
                f"<td class=\"{key}\" data-v=\"{getattr(nums, value_attr)!r}\" data-ratio=\"{covered} {total}\">"
                f"{getattr(nums, text_attr)}%</td>"
            )
        else:
            value = getattr(nums, attrs[key])
            cells.append(f"<td class=\"{key}\" data-v=\"{value}\">{value}</td>")
    return "".join(cells)


def _column_heads(has_arcs: bool) -> str:
    """The heading cells of the number columns (buttons that sort)."""
    headings = {key: heading for key, heading, _ in COLUMNS}
    cells = []
    for key in column_keys(has_arcs):
        if key in PERCENT_COLUMNS:
            words = PERCENT_COLUMNS[key][0] if has_arcs else ""
            label = "coverage" + (f"<span class=\"sr\"> {words}</span>" if words else "")
        else:
            label = headings[key]
        cells.append(f"<th scope=\"col\" class=\"{key}\" data-key=\"{key}\"><button type=\"button\">{label}</button></th>")
    return "".join(cells)


def _is_full(nums: Numbers) -> bool:
    return nums.n_missing == 0 and nums.n_partial_branches == 0


def render_index(
    page: IndexPage,
    pages: Sequence[IndexPage],
    title: str,
    has_arcs: bool,
    precision: int,
    asset_version: str,
    timestamp: str,
    first_url: str = "",
    notes: Iterable[str] = (),
) -> str:
    """The HTML of an index page: a sortable, filterable table of rows and totals."""
    totals = page.totals.with_precision(precision)
    region_page = page.noun != "file"
    out = [_head(
        f"{title}: {totals.pc_covered_str}%", asset_version,
        f"class=\"index-page\" data-page=\"index\" data-noun=\"{page.noun}\" data-plural=\"{page.plural}\" data-first=\"{escape(first_url)}\"",
    )]
    out.append(
        f"<header>\n<h1>{escape(title)}: <span class=\"pc-total\">{totals.pc_covered_str}%</span></h1>\n"
        "<nav class=\"reports\" aria-label=\"Index pages\"><ul>"
    )
    for other in pages:
        label = other.plural.title()
        if other is page:
            out.append(f"<li><a aria-current=\"page\" href=\"{other.filename}\">{label}</a></li>")
        else:
            out.append(f"<li><a href=\"{other.filename}\">{label}</a></li>")
    out.append("</ul></nav>\n")
    columns = ", ".join(column_keys(has_arcs))
    out.append(
        "<form class=\"filters\" role=\"search\" onsubmit=\"return false\">"
        "<label for=\"filter\">Filter</label> "
        "<input id=\"filter\" type=\"search\" autocomplete=\"off\" spellcheck=\"false\" "
        "placeholder=\"name, or e.g. miss&gt;0 cover&lt;90\" aria-describedby=\"filter-help\"> "
        "<label class=\"check\"><input id=\"hide-covered\" type=\"checkbox\"> hide fully covered</label>"
        f"<p id=\"filter-help\" class=\"hint\">Words match {'names' if region_page else 'file names'}; "
        f"<code>column&gt;number</code> (also <code>&lt; &lt;= &gt;= =</code>) keeps rows by a column: "
        f"{columns}.</p></form>\n"
    )
    for note in notes:
        out.append(f"<p class=\"note\">{escape(note)}</p>\n")
    if page.skipped_covered:
        things = _plural(page.skipped_covered, page.noun, page.plural)
        out.append(f"<p class=\"note\">{things} skipped due to complete coverage.</p>\n")
    if page.skipped_empty:
        things = _plural(page.skipped_empty, "empty " + page.noun, "empty " + page.plural)
        out.append(f"<p class=\"note\">{things} skipped.</p>\n")
    out.append("</header>\n<main id=\"main\">\n")
    out.append(
        f"<table class=\"index\" id=\"index\" data-precision=\"{precision}\">\n"
        f"<caption>Coverage by {page.noun}. Select a column heading to sort.</caption>\n<thead>"
    )
    if has_arcs:
        out.append(f"<tr class=\"groups\"><td colspan=\"{2 if region_page else 1}\"></td>")
        for heading, keys in GROUPS:
            out.append(f"<th scope=\"colgroup\" colspan=\"{len(keys)}\" class=\"group\">{heading}</th>")
        out.append("</tr>\n")
    out.append(
        "<tr class=\"columns\"><th scope=\"col\" class=\"name\" data-key=\"file\" aria-sort=\"ascending\">"
        "<button type=\"button\">File</button></th>"
    )
    if region_page:
        out.append(
            f"<th scope=\"col\" class=\"name\" data-key=\"{page.noun}\">"
            f"<button type=\"button\">{page.noun.title()}</button></th>"
        )
    out.append(_column_heads(has_arcs))
    out.append("</tr></thead>\n<tbody>\n")
    for row in page.rows:
        nums = row.nums.with_precision(precision)
        out.append(f"<tr data-full=\"{int(_is_full(nums))}\">")
        file_url = row.url.partition("#")[0]
        out.append(
            f"<td class=\"name\" data-v=\"{escape(row.file)}\"><a href=\"{escape(file_url)}\">{escape(row.file)}</a></td>"
        )
        if row.region is not None:
            if row.region:
                shown = f"<a href=\"{escape(row.url)}\">{escape(row.region)}</a>"
            else:
                shown = f"<span class=\"none\">(no {page.noun})</span>"
            out.append(f"<td class=\"name region\" data-v=\"{escape(row.sort_name)}\">{shown}</td>")
        out.append(_number_cells(nums, has_arcs))
        out.append("</tr>\n")
    out.append("</tbody>\n<tfoot><tr class=\"total\"><th scope=\"row\">Total</th>")
    if region_page:
        out.append("<td></td>")
    out.append(_number_cells(totals, has_arcs))
    out.append("</tr></tfoot>\n</table>\n")
    out.append(f"<p id=\"no-rows\" class=\"note\" hidden>No {page.plural} match the filter.</p>\n</main>\n")
    out.append(_help(INDEX_KEYS))
    out.append(_footer(timestamp))
    out.append("</body>\n</html>\n")
    return "".join(out)


def _line_html(line: SourceLine) -> str:
    """One source line: number, gutter mark, highlighted code, annotations."""
    category = line.category
    base = category.rstrip("2")
    classes = f"line {base}" + (" cont" if category.endswith("2") else "") if category else "line"
    code = "".join(
        f"<span class=\"{cls}\">{escape(text, quote=False)}</span>" if cls else escape(text, quote=False)
        for cls, text in line.pieces
    )
    mark = ""
    if category and not category.endswith("2"):
        symbol, words = LINE_MARKS[base]
        mark = f"<span class=\"mark\" aria-hidden=\"true\">{symbol}</span><span class=\"sr\">{words}: </span>"
    parts = [
        f"<div class=\"{classes}\" id=\"t{line.number}\">",
        f"<a class=\"n\" href=\"#t{line.number}\">{line.number}</a>",
        f"<span class=\"gutter\">{mark}</span>",
        f"<code class=\"src\">{code}</code>",
    ]
    if line.annotations:
        shorts = ", ".join(f"{line.number}&#x202F;&#x219B;&#x202F;{escape(short)}" for short, _ in line.annotations)
        sentences = "".join(f"<span class=\"why\">{escape(long)}</span>" for _, long in line.annotations)
        parts.append(f"<span class=\"annot\"><span class=\"arrows\">{shorts}</span>{sentences}</span>")
    if line.contexts:
        items = "".join(f"<li>{escape(context)}</li>" for context in line.contexts)
        parts.append(
            f"<details class=\"ctx\"><summary>{_plural(len(line.contexts), 'context', 'contexts')}</summary>"
            f"<ul>{items}</ul></details>"
        )
    parts.append("</div>\n")
    return "".join(parts)


def render_file(page: FilePage, title: str, precision: int, asset_version: str) -> str:
    """The HTML of one source file's page (no time stamp: it may be kept for many runs)."""
    nums = page.nums.with_precision(precision)
    name = escape(page.relative_name)
    out = [_head(
        f"Coverage for {page.relative_name}: {nums.pc_covered_str}%", asset_version,
        f"class=\"file-page\" data-page=\"file\" data-prev=\"{escape(page.prev_url)}\" "
        f"data-next=\"{escape(page.next_url)}\"",
    )]
    out.append(
        f"<header>\n<p class=\"crumbs\"><a href=\"index.html\">{escape(title)}</a></p>\n"
        f"<h1>Coverage for <span class=\"fname\">{name}</span>: "
        f"<span class=\"pc-total\">{nums.pc_covered_str}%</span></h1>\n"
    )
    counts = [
        ("run", nums.n_executed, "run"), ("mis", nums.n_missing, "missing"),
        ("exc", nums.n_excluded, "excluded"),
    ]
    if page.has_arcs:
        counts.append(("par", nums.n_partial_branches, "partial"))
    out.append(
        f"<p class=\"summary\">{_plural(nums.n_statements, 'statement', 'statements')}"
        + (f", {_plural(nums.n_branches, 'branch', 'branches')}" if page.has_arcs else "")
        + ". Highlight:</p>\n<div class=\"toggles\" role=\"group\" aria-label=\"Highlight lines\">"
    )
    for category, count, label in counts:
        symbol = LINE_MARKS[category][0]
        out.append(
            f"<button type=\"button\" class=\"toggle {category}\" data-category=\"{category}\" "
            f"aria-pressed=\"{'false' if category == 'run' else 'true'}\">"
            f"<span class=\"mark\" aria-hidden=\"true\">{symbol}</span> {count} {label}</button>"
        )
    out.append("</div>\n")
    if page.contexts_note:
        out.append(f"<p class=\"note\">{escape(page.contexts_note)}</p>\n")
    out.append(
        "<nav class=\"pager\" aria-label=\"Navigation\">"
        f"<a class=\"prev-file\" href=\"{escape(page.prev_url)}\">&larr; previous file</a> "
        "<a class=\"up\" href=\"index.html\">index</a> "
        f"<a class=\"next-file\" href=\"{escape(page.next_url)}\">next file &rarr;</a> "
        "<button type=\"button\" class=\"prev-missed\" title=\"previous missed region (k)\">&uarr; previous missed</button> "
        "<button type=\"button\" class=\"next-missed\" title=\"next missed region (j)\">&darr; next missed</button> "
        "<span class=\"position\" aria-live=\"polite\"></span>"
        "</nav>\n"
    )
    # The header stays on screen (sticky); the table of contents, which may
    # be long, scrolls away with the source.
    out.append("</header>\n<main id=\"main\">\n")
    if page.regions:
        links = "".join(
            f"<li><a href=\"#t{start}\"><span class=\"kind\">{escape(kind)}</span> {escape(region)}</a></li>"
            for kind, region, start in page.regions
        )
        out.append(f"<details class=\"toc\"><summary>Functions and classes</summary><ul>{links}</ul></details>\n")
    out.append("<div id=\"source\" class=\"source show-mis show-par show-exc\">\n")
    out.extend(_line_html(line) for line in page.lines)
    out.append("</div>\n</main>\n")
    out.append(_help(FILE_KEYS))
    out.append(_footer(""))
    out.append("</body>\n</html>\n")
    return "".join(out)

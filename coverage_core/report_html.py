"""The HTML report: ``htmlcov/index.html``, an index per kind of region, a page per file.

:func:`html_report` writes, into one directory:

* ``index.html`` (files), ``function_index.html`` and ``class_index.html``:
  tables of the numbers, sortable and filterable (covcore.html_render);
* one page per reported file: its highlighted source with the run,
  missing, excluded and partial lines, and for each partial branch the
  sentence saying which jump never happened;
* ``covcore.css`` and ``covcore.js`` (from ``htmlfiles/`` in this package);
* ``status.json``: what the last run wrote, to make the next run incremental.

Incremental: each file gets a fingerprint of its source, its measured data
(and its contexts, when shown) and its name; the status file keeps each
fingerprint with the numbers the index pages need.  A file whose
fingerprint is unchanged is neither analyzed nor rendered again; its page
is rewritten only if its neighbours (the previous and next file links)
changed.  Anything that changes every page (covcore's version, the page
code and assets, the settings) starts afresh.  Pages of files no longer
reported are removed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from covcore.html_render import (
    FilePage,
    IndexPage,
    IndexRow,
    SourceLine,
    render_file,
    render_index,
)
from covcore.html_source import token_lines
from covcore.parser import read_source, source_file_for
from covcore.regions import REGION_KINDS
from covcore.reporting import NoDataError, branch_stats, ensure_dir, human_key, relative_filename
from covcore.results import Analysis, CoverageDataLike, Numbers
from covcore.types import TLineNo
from covcore.version import __version__

#: The static files copied into the report directory.
ASSETS = ("covcore.css", "covcore.js")
ASSET_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "htmlfiles")
STATUS_FILE = "status.json"
#: Bumped when the status file's layout changes.
STATUS_FORMAT = 1
#: The modules whose code shapes the pages: a change to them re-renders all.
_PAGE_CODE = ("report_html.py", "html_render.py", "html_source.py")

TAnalyze = Callable[[Any, str], Analysis]


@dataclass
class HtmlOptions:
    """How to write the report."""

    directory: str = "htmlcov"
    title: str = "Coverage report"
    skip_covered: bool = False
    skip_empty: bool = False
    show_contexts: bool = False
    precision: int = 0
    #: Anything else that changes the analysis (exclusion regexes...): a
    #: change re-renders every page.
    settings: Any = ()
    #: File names are shown relative to this directory (default: the current one).
    relative_to: str | None = None
    #: Called with a message for the user (e.g. no contexts were measured).
    warn: Callable[[str], None] | None = None


@dataclass
class _Region:
    """A function or class of a file (or the file's lines outside them), for an index."""

    kind: str
    name: str
    start: TLineNo
    nums: Numbers


@dataclass
class _Entry:
    """A file to report."""

    path: str
    rel: str
    page: str
    fingerprint: str | None
    nums: Numbers
    regions: list[_Region] = field(default_factory=list)
    analysis: Analysis | None = None
    prev_url: str = "index.html"
    next_url: str = "index.html"


def page_name(relative_name: str) -> str:
    """The page file of a source file: its name made flat, and a hash of it to keep it unique."""
    flat = re.sub(r"[^A-Za-z0-9]+", "_", relative_name).strip("_")[-80:] or "file"
    digest = hashlib.sha1(relative_name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{flat}_{digest}.html"


def _digest(*parts: object) -> str:
    hasher = hashlib.sha1()
    for part in parts:
        data = part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogateescape")
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def _file_bytes(path: str) -> bytes | None:
    """The bytes of a source file (or None when it can't be read now: analysis says why)."""
    source = source_file_for(path)
    try:
        with open(source, "rb") as source_file:
            return source_file.read()
    except OSError:
        try:
            return read_source(source).encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001 - the analysis will report it properly
            return None


def line_contexts(data: CoverageDataLike, filename: str) -> dict[TLineNo, list[str]] | None:
    """Line -> the contexts that ran it, or None when no contexts were measured.

    The hook for measured contexts: data that can tell them has a
    ``contexts_by_lineno(filename)`` method (the empty context shows as
    ``(empty)``).  Data that ran everything in the empty context has none.
    """
    by_line = getattr(data, "contexts_by_lineno", None)
    if not callable(by_line):
        return None
    contexts = {int(line): list(names) for line, names in dict(by_line(filename)).items()}
    if all(set(names) <= {""} for names in contexts.values()):
        return None
    return {
        line: sorted((name or "(empty)" for name in names), key=human_key)
        for line, names in contexts.items()
    }


def _fingerprint(data: CoverageDataLike, path: str, rel: str, show_contexts: bool) -> str | None:
    """A hash of what a file's page is made of: source, data, name (None: unknown)."""
    source = _file_bytes(path)
    if source is None:
        return None
    measured = data.arcs(path) if data.has_arcs() else data.lines(path)
    contexts = line_contexts(data, path) if show_contexts else None
    return _digest(rel, source, sorted(measured or ()), sorted((contexts or {}).items()))


def _numbers(values: Sequence[int]) -> Numbers:
    return Numbers(0, *values)


def _values(nums: Numbers) -> list[int]:
    return [
        nums.n_files, nums.n_statements, nums.n_excluded, nums.n_missing,
        nums.n_branches, nums.n_partial_branches, nums.n_missing_branches,
    ]


def region_numbers(analysis: Analysis) -> list[_Region]:
    """The numbers of each function and class, and of the lines outside any
    function (any class): every file has those, as in coverage.py."""
    return [
        # The outside lines have no anchor on the page: start 0.
        _Region(kind, part.name, part.start if part.name else 0, part.analysis.numbers)
        for kind, _ in REGION_KINDS
        for part in analysis.by_region(kind)
    ]


# -- The incremental status --


class _Status:
    """What the last run wrote: per page, the fingerprints and index numbers."""

    def __init__(self, directory: str, globals_hash: str) -> None:
        self.path = os.path.join(directory, STATUS_FILE)
        self.globals = globals_hash
        self.old_pages: set[str] = set()
        self.old: dict[str, dict[str, Any]] = {}
        self.new: dict[str, dict[str, Any]] = {}
        try:
            with open(self.path, encoding="utf-8") as status_file:
                status = json.load(status_file)
            files = status["files"]
            self.old_pages = set(files)
            if status["format"] == STATUS_FORMAT and status["version"] == __version__ and status["globals"] == globals_hash:
                self.old = files
        except (OSError, ValueError, KeyError, TypeError):
            pass

    def cached(self, page: str, fingerprint: str | None) -> dict[str, Any] | None:
        """The stored entry of `page` when its fingerprint is `fingerprint`."""
        entry = self.old.get(page)
        if fingerprint is None or not isinstance(entry, dict) or entry.get("hash") != fingerprint:
            return None
        return entry

    def write(self) -> None:
        status = {
            "note": "covcore's record of this HTML report, to redo only what changed. Not a report format.",
            "format": STATUS_FORMAT,
            "version": __version__,
            "globals": self.globals,
            "files": self.new,
        }
        with open(self.path, "w", encoding="utf-8") as status_file:
            json.dump(status, status_file, separators=(",", ":"))


def _entry_from_status(entry: _Entry, stored: dict[str, Any]) -> bool:
    """Fill `entry`'s numbers from the status; False if the record is unusable."""
    try:
        entry.nums = _numbers(stored["nums"])
        entry.regions = [
            _Region(str(kind), str(name), int(start), _numbers(values))
            for kind, name, start, values in stored["regions"]
        ]
    except (KeyError, TypeError, ValueError):
        return False
    return True


# -- Writing --


def _asset_version(directory: str) -> str:
    """Copy the static files into `directory` (when different); a hash of them."""
    contents = []
    for name in ASSETS:
        with open(os.path.join(ASSET_DIR, name), "rb") as asset:
            text = asset.read()
        contents.append(text)
        target = os.path.join(directory, name)
        try:
            with open(target, "rb") as existing:
                same = existing.read() == text
        except OSError:
            same = False
        if not same:
            with open(target, "wb") as out:
                out.write(text)
    return _digest(*contents)[:10]


def _code_version() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for name in _PAGE_CODE:
        with open(os.path.join(here, name), "rb") as module:
            parts.append(module.read())
    return _digest(*parts)


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)


def _source_lines(analysis: Analysis, has_arcs: bool, contexts: dict[TLineNo, list[str]] | None) -> list[SourceLine]:
    """Each line of the file with its category, annotations and contexts."""
    parser = analysis.parser
    if parser is not None:
        multiline = parser.multiline_map
        pieces_of_lines = token_lines(parser.text)
    else:
        # A file a coverage.py plug-in measured: its reporter's tokens.
        multiline = {}
        pieces_of_lines = [[(str(kind), str(text)) for kind, text in pieces]
                           for pieces in analysis.reporter.source_token_lines()]
    missing_arcs = analysis.missing_branch_arcs() if has_arcs else {}
    stats = branch_stats(analysis) if has_arcs else {}
    sentences = analysis.missing_branch_descriptions() if missing_arcs else {}

    def category_of(line: TLineNo) -> str:
        if line in analysis.excluded:
            return "exc"
        if line in analysis.missing:
            return "mis"
        if line in missing_arcs:
            return "par"
        if line in analysis.statements:
            return "run"
        return ""

    lines = []
    for number, pieces in enumerate(pieces_of_lines, start=1):
        category = category_of(number)
        if not category:
            first = multiline.get(number)
            if first is not None and first != number:
                category = category_of(first)
                category = category + "2" if category else ""
        line = SourceLine(number, pieces, category)
        if category == "par":
            dests = missing_arcs[number]
            if len(dests) == stats.get(number, (0, 0))[0]:
                line.annotations = [("anywhere", f"line {number} didn't jump anywhere: it always raised an exception.")]
            else:
                line.annotations = [
                    ("exit" if dest < 0 else str(dest), sentences.get((number, dest), ""))
                    for dest in dests
                ]
        if contexts and category and not category.endswith("2"):
            line.contexts = contexts.get(number, [])
        lines.append(line)
    return lines


def _should_report(nums: Numbers, page: IndexPage, options: HtmlOptions) -> bool:
    """Count `nums` in the page's totals; False if skipped (fully covered, or empty)."""
    page.totals += nums
    if options.skip_covered and nums.n_missing == 0 and nums.n_partial_branches == 0:
        page.skipped_covered += 1
        return False
    if options.skip_empty and nums.n_statements == 0:
        page.skipped_empty += 1
        return False
    return True


def html_report(
    data: CoverageDataLike,
    paths: Sequence[str],
    analyze: TAnalyze,
    options: HtmlOptions,
) -> float:
    """Write the HTML report of `paths` (measured files of `data`) into ``options.directory``.

    `analyze(data, path)` gives a file's :class:`Analysis`; it is called
    only for files that changed since the last report in the directory.
    Returns the total percent covered (skipped files included; 0.0 for
    nothing to count).  No files at all raises "No data to report.".
    """
    if not paths:
        raise NoDataError("No data to report.")
    directory = options.directory
    ensure_dir(directory, "HTML report")
    if not os.listdir(directory):
        _write_text(os.path.join(directory, ".gitignore"), "# Created by covcore\n*\n")
    has_arcs = data.has_arcs()
    asset_version = _asset_version(directory)
    settings = (
        options.title, options.skip_covered, options.skip_empty, options.show_contexts,
        options.precision, has_arcs, options.settings,
    )
    status = _Status(directory, _digest(_code_version(), asset_version, settings))
    notes = []
    if options.show_contexts and not any(line_contexts(data, path) for path in paths):
        notes.append("No contexts were measured.")
        if options.warn is not None:
            options.warn("No contexts were measured")

    # Numbers of every file: from the status when unchanged, else analyzed.
    entries: list[_Entry] = []
    for path in paths:
        rel = relative_filename(path, options.relative_to)
        entry = _Entry(path, rel, page_name(rel), _fingerprint(data, path, rel, options.show_contexts), Numbers())
        stored = status.cached(entry.page, entry.fingerprint)
        if stored is None or not _entry_from_status(entry, stored):
            entry.analysis = analyze(data, path)
            entry.nums = entry.analysis.numbers
            entry.regions = region_numbers(entry.analysis)
        entries.append(entry)
    entries.sort(key=lambda e: human_key(e.rel))

    index_pages = {"file": IndexPage("file", "files", "index.html")}
    for kind, plural in REGION_KINDS:
        index_pages[kind] = IndexPage(kind, plural, f"{kind}_index.html")
    reported = [e for e in entries if _should_report(e.nums, index_pages["file"], options)]
    for before, after in zip(reported, reported[1:]):
        before.next_url, after.prev_url = after.page, before.page

    timestamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M %z").strip()
    for entry in reported:
        page_hash = _digest(entry.fingerprint, entry.prev_url, entry.next_url)
        target = os.path.join(directory, entry.page)
        stored = status.cached(entry.page, entry.fingerprint)
        stale = stored is None or stored.get("page") != page_hash or not os.path.exists(target)
        if stale:
            analysis = entry.analysis or analyze(data, entry.path)
            contexts = line_contexts(data, entry.path) if options.show_contexts else None
            page = FilePage(
                relative_name=entry.rel,
                nums=analysis.numbers,
                lines=_source_lines(analysis, has_arcs, contexts),
                prev_url=entry.prev_url,
                next_url=entry.next_url,
                has_arcs=has_arcs,
                regions=[(r.kind, r.name, r.start) for r in sorted(analysis.code_regions(), key=lambda r: r.start)],
                contexts_note=notes[0] if notes else "",
            )
            _write_text(target, render_file(page, options.title, options.precision, asset_version))
        entry.analysis = None
        status.new[entry.page] = {
            "hash": entry.fingerprint,
            "page": page_hash,
            "file": entry.rel,
            "nums": _values(entry.nums),
            "regions": [[r.kind, r.name, r.start, _values(r.nums)] for r in entry.regions],
        }
        index_pages["file"].rows.append(IndexRow(entry.rel, entry.page, entry.nums))
        for region in entry.regions:
            region_page = index_pages[region.kind]
            if _should_report(region.nums, region_page, options):
                url = f"{entry.page}#t{region.start}" if region.name else entry.page
                sort_name = region.name.rpartition(".")[2].lstrip("_")
                region_page.rows.append(IndexRow(entry.rel, url, region.nums, region.name, sort_name))

    for stale_page in status.old_pages - set(status.new):
        if page_name_re.fullmatch(stale_page):
            try:
                os.remove(os.path.join(directory, stale_page))
            except OSError:
                pass

    # A file's regions add up to the file: the function and class indexes
    # total every file, those skip_covered left out too, as the file index does.
    for kind, _ in REGION_KINDS:
        index_pages[kind].totals = index_pages["file"].totals
    first_url = reported[0].page if reported else ""
    pages = list(index_pages.values())
    for index_page in pages:
        text = render_index(
            index_page, pages, options.title, has_arcs, options.precision, asset_version,
            timestamp, first_url=first_url, notes=notes,
        )
        _write_text(os.path.join(directory, index_page.filename), text)
    status.write()
    total = index_pages["file"].totals
    return float(total.pc_covered) if total.n_statements else 0.0


#: What a page written by :func:`page_name` looks like (only those are ever removed).
page_name_re = re.compile(r"[A-Za-z0-9_]+_[0-9a-f]{8}\.html")

"""Which measured files a report shows, and their analyses.

The report methods of :class:`covcore.control.Coverage` come here for the
files they cover (the data's measured files, through the report's
include/omit, the report contexts and ``report --diff``) and for each one's
analysis; with ``[report] ignore_errors`` a file whose source is missing or
is not Python is left out with a warning.  Imported only when reporting.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable, Optional

from covcore.exceptions import NoSource, NotPython
from covcore.files import FileSelector

if TYPE_CHECKING:
    from covcore.control import Coverage
    from covcore.data import CoverageData
    from covcore.report_html import HtmlOptions


def report_paths(
    cov: Coverage, include: Optional[Iterable[str]], omit: Optional[Iterable[str]]
) -> tuple[CoverageData, list[str]]:
    """The data to report on, and its measured files that reports show, sorted."""
    data = cov.get_data() if cov._collector is not None else cov._loaded_data()
    data.set_query_contexts(cov.config.report_contexts)
    selector = FileSelector(
        include=list(include) if include is not None else cov.config.report_include,
        omit=list(omit) if omit is not None else cov.config.report_omit,
    )
    paths = [path for path in sorted(data.measured_files()) if selector.report_filter(os.path.abspath(path))]
    if cov.diff_lines is not None:
        paths = [path for path in paths if os.path.realpath(path) in cov.diff_lines]
    return data, paths


def analyses(
    cov: Coverage, include: Optional[Iterable[str]], omit: Optional[Iterable[str]],
    ignore_errors: Optional[bool] = None,
) -> list[Any]:
    """The analyses of the files a report shows, narrowed to ``report --diff``'s lines if given."""
    data, paths = report_paths(cov, include, omit)
    if cov.config.ignore_errors if ignore_errors is None else ignore_errors:
        found = [a for a in (analyze_or_skip(cov, data, path) for path in paths) if a is not None]
    else:
        found = [cov._analyze(data, path) for path in paths]
    if cov.diff_lines is not None:
        diff_lines = cov.diff_lines
        found = [a.narrowed([diff_lines[os.path.realpath(a.filename)]])[0] for a in found]
    return found


def analyze_or_skip(cov: Coverage, data: CoverageData, path: str) -> Any:
    """`path`'s analysis; None, with a warning, if its source is missing or is not Python."""
    try:
        return cov._analyze(data, path)
    except (NoSource, NotPython) as exc:
        couldnt_parse(path, exc)
        return None


def couldnt_parse(path: str, exc: Exception) -> None:
    """Warn that a file is left out of a report (``[report] ignore_errors``)."""
    from covcore.control import warn

    if isinstance(exc, NotPython):
        message = f"Couldn't parse Python file '{path}'"
    else:
        message = f"Couldn't parse '{path}': {exc}"
    warn(message, once_key=message, slug="couldnt-parse")


def html_report_files(
    cov: Coverage, options: HtmlOptions, include: Optional[Iterable[str]], omit: Optional[Iterable[str]],
    ignore_errors: bool,
) -> float:
    """Write the HTML report of the files a report shows; returns the total percent.

    With `ignore_errors`, a file whose analysis fails is left out and the
    report made again without it (the parses are cached; failures are rare,
    and the report's incremental reuse of pages is kept).
    """
    from covcore.report_html import html_report

    data, paths = report_paths(cov, include, omit)
    if not ignore_errors:
        return html_report(data, paths, cov._analyze, options)
    failed: dict[str, Exception] = {}

    def analyze(data: CoverageData, path: str) -> Any:
        try:
            return cov._analyze(data, path)
        except (NoSource, NotPython) as exc:
            failed[path] = exc
            raise

    while True:
        try:
            return html_report(data, paths, analyze, options)
        except (NoSource, NotPython):
            left_out = [path for path in paths if path in failed]
            if not left_out:
                raise
            for path in left_out:
                couldnt_parse(path, failed[path])
            paths = [path for path in paths if path not in failed]

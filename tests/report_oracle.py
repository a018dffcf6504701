"""Run coverage.py and covcore on the same source files and executed lines.

Used by the parser, results and report tests: coverage.py (7.18, or 7.16.2 on
Python 3.10) is the oracle.  Files are written to a directory, both tools get
the same executed lines for them, and the tests compare what each reports.
"""

from __future__ import annotations

import io
import json
import os
import warnings
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Optional

import coverage
import coverage.parser

from covcore.parser import DEFAULT_EXCLUDE, PythonParser, join_regex
from covcore.results import Analysis, analyze, clear_parse_cache

#: coverage.py's version as a tuple, to mark the differences of 7.16 (Python 3.10).
COVERAGE_VERSION = coverage.version_info[:3]
OLD_COVERAGE = COVERAGE_VERSION < (7, 17, 0)


class StandInData:
    """The smallest CoverageData: just what analysis asks for."""

    def __init__(
        self,
        lines: Optional[Mapping[str, Iterable[int]]] = None,
        arcs: Optional[Mapping[str, Iterable[tuple[int, int]]]] = None,
    ) -> None:
        self._lines = {name: sorted(set(ls)) for name, ls in (lines or {}).items()}
        self._arcs = {name: sorted(set(a)) for name, a in (arcs or {}).items()}

    def measured_files(self) -> set[str]:
        return set(self._lines) | set(self._arcs)

    def lines(self, filename: str) -> Optional[list[int]]:
        if self._arcs:
            arcs = self._arcs.get(filename)
            if arcs is None:
                return None
            return sorted({n for arc in arcs for n in arc if n > 0})
        return self._lines.get(filename)

    def arcs(self, filename: str) -> Optional[list[tuple[int, int]]]:
        return self._arcs.get(filename)

    def has_arcs(self) -> bool:
        return bool(self._arcs)


def coverage_parser(text: str, exclude: Optional[list[str]] = None) -> coverage.parser.PythonParser:
    """coverage.py's parser, run on `text` (default exclusions: covcore's, 7.17's)."""
    regexes = DEFAULT_EXCLUDE if exclude is None else exclude
    parser = coverage.parser.PythonParser(text=text, filename="<code>", exclude=join_regex(regexes))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser.parse_source()
    return parser


def covcore_parser(text: str, exclude: Optional[list[str]] = None) -> PythonParser:
    """covcore's parser, run on `text`."""
    regexes = DEFAULT_EXCLUDE if exclude is None else exclude
    parser = PythonParser(text=text, exclude=join_regex(regexes))
    parser.parse_source()
    return parser


def make_coverage(
    executed: Mapping[str, Iterable[int]],
    exclude: Optional[list[str]] = None,
    precision: int = 0,
) -> coverage.Coverage:
    """A coverage.py Coverage holding `executed` lines (absolute file names)."""
    cov = coverage.Coverage(data_file=None, config_file=False)
    cov.set_option("report:exclude_lines", list(DEFAULT_EXCLUDE if exclude is None else exclude))
    cov.set_option("report:precision", precision)
    data = cov.get_data()
    data.add_lines({name: sorted(lines) for name, lines in executed.items()})
    # The in-memory database is closed only on request: close it when the
    # Coverage object goes, or Python 3.13 warns about an unclosed database.
    weakref.finalize(cov, data.close, True)
    return cov


def covcore_analyses(
    executed: Mapping[str, Iterable[int]], exclude: Optional[list[str]] = None
) -> list[Analysis]:
    """covcore's analyses of the files in `executed`."""
    clear_parse_cache()
    data = StandInData(lines=executed)
    regexes = list(DEFAULT_EXCLUDE if exclude is None else exclude)
    return [analyze(data, name, regexes) for name in sorted(data.measured_files())]


def coverage_text_report(cov: coverage.Coverage, **options: Any) -> tuple[str, float]:
    """coverage.py's text report and its returned total."""
    out = io.StringIO()
    total = cov.report(file=out, **options)
    return out.getvalue(), total


def coverage_json_report(cov: coverage.Coverage, path: Path, **options: Any) -> dict[str, Any]:
    """coverage.py's JSON report, loaded."""
    cov.json_report(outfile=str(path), **options)
    with open(path, encoding="utf-8") as f:
        loaded: dict[str, Any] = json.load(f)
    return loaded


def write_files(directory: Path, sources: Mapping[str, str]) -> dict[str, str]:
    """Write `sources` (relative name -> text) under `directory`; name -> absolute path."""
    paths = {}
    for name, text in sources.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths[name] = os.path.realpath(path)
    return paths

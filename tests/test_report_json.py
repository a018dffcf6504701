"""The JSON report writes what coverage.py's ``coverage json`` writes (format 3)."""

from __future__ import annotations

import copy
import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from covcore.exceptions import CovcoreError
from covcore.regions import code_regions
from covcore.report_json import json_report
from covcore.results import analyze
from covcore.version import __version__
from report_oracle import (
    OLD_COVERAGE,
    StandInData,
    covcore_analyses,
    coverage_json_report,
    make_coverage,
    write_files,
)

REGIONS = textwrap.dedent(
    '''\
    """Functions and classes of every shape."""
    import functools

    def plain(x):
        """Doc."""
        if x:
            return 1
        return 2

    def outer():
        a = 1
        def inner():
            return a

        class Local:
            def method(self):
                return 3
        return inner

    class Shape:
        sides = 0

        def __init__(self, n):
            self.n = n

        @property
        def area(self):
            return self.n

        @area.setter
        def area(self, value):
            self.n = value

        class Nested:
            def deep(self):
                def deeper():
                    return 4
                return deeper

        async def later(self):
            return 5

    class Empty:
        pass

    @functools.lru_cache(maxsize=None)
    def cached(
        n,
    ):
        return n

    def excluded():  # pragma: no cover
        return 6

    def only_doc():
        """Nothing else."""

    square = lambda v: v * v
    '''
)

# Defined in `else`, `except` and `finally` blocks: coverage.py 7.16 ignored
# those definitions when finding regions; 7.17 finds them.
BRANCHED_DEFS = textwrap.dedent(
    """\
    import sys

    if sys.version_info > (3,):
        def new():
            return 1
    else:
        def old():
            return 2

    try:
        import json
    except ImportError:
        def fallback():
            return 3
    else:
        def ok():
            return 4
    finally:
        def cleanup():
            return 5
    """
)

PROJECT: dict[str, tuple[str, list[int]]] = {
    "regions.py": (REGIONS, [2, 4, 5, 6, 7, 10, 11, 12, 15, 16, 18, 20, 21, 23, 26, 27, 30, 34, 35, 39, 42, 45, 46, 50, 53, 56]),
    "pkg/__init__.py": ("", []),
    "pkg/simple.py": ("a = 1\nb = 2\n\nc = 3\n", [1, 4]),
    "pkg/none.py": ("# nothing here\n", []),
}


def _normalize_meta(document: dict[str, Any]) -> dict[str, Any]:
    """Drop the fields that differ between tools or runs."""
    document["meta"].pop("timestamp")
    document["meta"].pop("version")
    return document


def _comparable(theirs: dict[str, Any], ours: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both documents; on Python 3.10, without what coverage.py 7.16 does otherwise.

    7.16 keeps the last region of a repeated name (7.18 and covcore the
    first with statements, the others named @<def line>) and shows the whole
    file's contexts in each region (7.18 the region's own): there, repeated
    names and the regions' contexts are left out.
    """
    if not OLD_COVERAGE:
        return theirs, ours
    theirs, ours = copy.deepcopy(theirs), copy.deepcopy(ours)
    for name, entry in ours["files"].items():
        for plural in ("functions", "classes"):
            repeated = {region.partition("@")[0] for region in entry[plural] if "@" in region}
            for regions in (entry[plural], theirs["files"].get(name, {}).get(plural, {})):
                for region in list(regions):
                    if region.partition("@")[0] in repeated:
                        del regions[region]
                    else:
                        regions[region].pop("contexts", None)
    return theirs, ours


def _both(
    tmp_path: Path, sources: dict[str, tuple[str, list[int]]], **options: Any
) -> tuple[dict[str, Any], dict[str, Any], str, str, float, float]:
    """Run both reports on `sources` (written under the current directory)."""
    paths = write_files(tmp_path, {name: src for name, (src, _) in sources.items()})
    executed = {paths[name]: lines for name, (_, lines) in sources.items()}
    cov_options: dict[str, Any] = {}
    if options.get("pretty"):
        cov_options["pretty_print"] = True
    if options.get("show_contexts"):
        cov_options["show_contexts"] = True
    cov = make_coverage(executed, precision=options.get("precision", 0))
    theirs_path = tmp_path / "theirs.json"
    theirs_total = cov.json_report(outfile=str(theirs_path), **cov_options)
    ours_path = tmp_path / "ours.json"
    ours_total = json_report(covcore_analyses(executed), str(ours_path), **options)
    theirs_text = theirs_path.read_text(encoding="utf-8")
    ours_text = ours_path.read_text(encoding="utf-8")
    return (
        _normalize_meta(json.loads(theirs_text)),
        _normalize_meta(json.loads(ours_text)),
        theirs_text,
        ours_text,
        theirs_total,
        ours_total,
    )


@pytest.mark.parametrize("precision", [0, 2])
def test_same_document_as_coverage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, precision: int
) -> None:
    monkeypatch.chdir(tmp_path)
    theirs, ours, _, _, theirs_total, ours_total = _both(tmp_path, PROJECT, precision=precision)
    theirs, ours = _comparable(theirs, ours)
    assert ours == theirs
    assert ours_total == theirs_total


@pytest.mark.skipif(OLD_COVERAGE, reason="coverage.py 7.16 orders and names regions as 7.18 doesn't")
def test_same_text_as_coverage_when_pretty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, _, theirs, ours, _, _ = _both(tmp_path, PROJECT, pretty=True)

    def blank_meta(text: str) -> str:
        text = re.sub(r'"timestamp": "[^"]*"', '"timestamp": ""', text)
        return re.sub(r'"version": "[^"]*"', '"version": ""', text)

    assert blank_meta(ours) == blank_meta(theirs)
    assert ours.startswith('{\n    "meta": {\n        "format": 3,')


@pytest.mark.skipif(OLD_COVERAGE, reason="coverage.py 7.16 orders and names regions as 7.18 doesn't")
def test_same_text_as_coverage_when_compact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, _, theirs, ours, _, _ = _both(tmp_path, PROJECT)
    theirs_files = theirs[theirs.index('"files"') :]
    assert ours[ours.index('"files"') :] == theirs_files


def test_contexts_same_as_coverage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    theirs, ours, _, _, _, _ = _both(tmp_path, PROJECT, show_contexts=True)
    theirs, ours = _comparable(theirs, ours)
    assert ours == theirs
    assert ours["files"]["pkg/simple.py"]["contexts"] == {"1": [""], "4": [""]}


@pytest.mark.skipif(OLD_COVERAGE, reason="coverage.py 7.16 finds regions in bodies only")
def test_definitions_in_branches_same_as_coverage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sources = {"branched.py": (BRANCHED_DEFS, [1, 3, 4, 10, 11, 16, 19])}
    theirs, ours, _, _, _, _ = _both(tmp_path, sources)
    assert ours == theirs
    # Listed by def line (coverage.py 7.18; 7.17 listed them in walk order).
    assert list(ours["files"]["branched.py"]["functions"]) == [
        "new", "old", "fallback", "ok", "cleanup", ""
    ]


@pytest.mark.skipif(OLD_COVERAGE, reason="coverage.py 7.16 finds regions in bodies only")
def test_regions_same_as_coverage() -> None:
    import coverage.regions

    for source in (REGIONS, BRANCHED_DEFS):
        import ast

        ours = [(r.kind, r.name, r.start, sorted(r.lines)) for r in code_regions(ast.parse(source))]
        theirs = [
            (r.kind, r.name, r.start, sorted(r.lines)) for r in coverage.regions.code_regions(source)
        ]
        assert ours == theirs


#: Definitions sharing lines: a body that is one nested ``def``, classes in
#: methods in classes, class-level statements of a class inside a method.
NESTED_DEFS = textwrap.dedent(
    """\
    def only_inner():
        def inner(): return 1

    class Outer:
        x = 1
        def method(self):
            class InMethod:
                y = 2
                def deep(self):
                    def deepest(): pass
                    return 3
            z = 4
        if x:
            def conditional(self): pass
        class Bare:
            w = 5
    """
)


def test_region_lines_of_nested_definitions() -> None:
    import ast

    regions = {(r.kind, r.name): sorted(r.lines) for r in code_regions(ast.parse(NESTED_DEFS))}
    assert regions == {
        ("function", "only_inner"): [],
        ("function", "only_inner.inner"): [2],
        ("class", "Outer"): [7, 8, 9, 12, 14],
        ("function", "Outer.method"): [7, 8, 9, 12],
        ("class", "Outer.method.InMethod"): [10, 11],
        ("function", "Outer.method.InMethod.deep"): [11],
        ("function", "Outer.method.InMethod.deep.deepest"): [10],
        ("function", "Outer.conditional"): [14],
        ("class", "Outer.Bare"): [],
    }


@pytest.mark.skipif(OLD_COVERAGE, reason="coverage.py 7.16 finds regions in bodies only")
def test_nested_regions_same_as_coverage() -> None:
    import ast

    import coverage.regions

    ours = [(r.kind, r.name, r.start, sorted(r.lines)) for r in code_regions(ast.parse(NESTED_DEFS))]
    theirs = [
        (r.kind, r.name, r.start, sorted(r.lines)) for r in coverage.regions.code_regions(NESTED_DEFS)
    ]
    assert ours == theirs


def test_file_entry_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _, ours, _, _, _, _ = _both(tmp_path, PROJECT)
    entry = ours["files"]["regions.py"]
    assert list(entry) == [
        "executed_lines", "summary", "missing_lines", "excluded_lines", "functions", "classes"
    ]
    assert list(entry["summary"]) == [
        "covered_lines",
        "num_statements",
        "percent_covered",
        "percent_covered_display",
        "missing_lines",
        "excluded_lines",
        "percent_statements_covered",
        "percent_statements_covered_display",
    ]
    functions = entry["functions"]
    assert "outer.inner" in functions and "Shape.Nested.deep.deeper" in functions
    # The getter keeps the name; the setter is named by its def line too.
    assert functions["Shape.area"]["start_line"] == 27
    assert functions["Shape.area@31"]["start_line"] == 31
    assert list(entry["classes"]) == ["outer.Local", "Shape", "Shape.Nested", "Empty", ""]
    assert entry["classes"][""]["start_line"] == 1
    assert ours["meta"] == {"format": 3, "branch_coverage": False, "show_contexts": False}


def test_meta(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"m.py": "x = 1\n"})
    out = tmp_path / "out" / "report.json"
    json_report(covcore_analyses({paths["m.py"]: [1]}), str(out), meta={"core": "ctrace"})
    meta = json.loads(out.read_text(encoding="utf-8"))["meta"]
    assert meta["format"] == 3
    assert meta["version"] == __version__
    assert meta["core"] == "ctrace"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+", meta["timestamp"])


def test_total_is_zero_without_statements(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"m.py": "# only a comment\n"})
    cov = make_coverage({paths["m.py"]: []})
    theirs = cov.json_report(outfile=str(tmp_path / "theirs.json"))
    ours = json_report(covcore_analyses({paths["m.py"]: []}), str(tmp_path / "ours.json"))
    assert ours == theirs == 0


def test_writes_to_stdout_for_dash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = write_files(tmp_path, {"m.py": "x = 1\n"})
    json_report(covcore_analyses({paths["m.py"]: [1]}), "-")
    document = json.loads(capsys.readouterr().out)
    assert document["totals"]["percent_covered"] == 100.0


def test_no_data_to_report(tmp_path: Path) -> None:
    with pytest.raises(CovcoreError, match=r"^No data to report\.$"):
        json_report([], str(tmp_path / "x.json"))
    assert not (tmp_path / "x.json").exists()


def test_branch_data_adds_branch_fields(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The branch keys are present (empty until covcore analyzes arcs).
    monkeypatch.chdir(tmp_path)
    paths = write_files(tmp_path, {"m.py": "def f():\n    return 1\nf()\n"})
    data = StandInData(arcs={paths["m.py"]: [(-1, 1), (1, 3), (3, -1), (-1, 2), (2, -1)]})
    json_report([analyze(data, paths["m.py"], [])], str(tmp_path / "b.json"))
    document = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    entry = document["files"]["m.py"]
    assert document["meta"]["branch_coverage"] is True
    assert entry["executed_branches"] == [] and entry["missing_branches"] == []
    assert entry["functions"]["f"]["executed_branches"] == []
    assert document["totals"]["num_branches"] == 0
    assert document["totals"]["percent_branches_covered_display"] == "100"

"""Reports of branch data equal coverage.py's for the same measured arcs.

A small project of branchy files gets the same measured arcs in coverage.py
and in covcore; the text report (every format, sort, precision and skip
option), the JSON report and the analysis API must then agree.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path
from typing import Any

import coverage
import pytest

from covcore.arcs import ArcFinder
from covcore.exceptions import ConfigError
from covcore.parser import DEFAULT_EXCLUDE, PythonParser
from covcore.report_json import json_report
from covcore.report_text import text_report
from covcore.results import Analysis, analyze, clear_parse_cache
from report_oracle import StandInData, write_files

SOURCES = {
    "app.py": """\
        import sys

        def grade(n):
            if n > 90:
                return "A"
            elif n > 50:  # pragma: no branch
                return "B"
            for i in range(n):
                if i == 3:
                    break
            else:
                return None
            while n:
                n -= 1
            return "C"

        class Shape:
            def area(self, kind):
                match kind:
                    case "square":
                        return 1
                    case _:
                        return 0

        if __name__ == "__main__":
            grade(int(sys.argv[1]))
        """,
    "pkg/__init__.py": "",
    "pkg/util.py": """\
        def clamp(x, lo, hi):
            if x < lo:
                return lo
            if x > hi:
                return hi
            return x

        def unused(flag):  # pragma: no cover
            if flag:
                return 1
        """,
    "pkg/straight.py": "a = 1\nb = 2\n",
    "pkg/full.py": "x = 1\nif x:\n    y = 2\nelse:\n    y = 3\n",
}


def _measured(path: str, rng: random.Random, share: float) -> set[tuple[int, int]]:
    """Arcs a run of `path` might have recorded: a random part of the raw possible arcs."""
    parser = PythonParser(filename=path)
    parser.parse_source()
    assert parser.ast_root is not None
    finder = ArcFinder(parser.ast_root, parser.raw_statements, parser.multiline_map)
    finder.analyze()
    return {arc for arc in finder.arcs if rng.random() < share} | {(-1, 1)}


@pytest.fixture(params=[0, 1, 2])
def project(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, set[tuple[int, int]]]:
    """The project under the current directory, with measured arcs (seeded)."""
    monkeypatch.chdir(tmp_path)
    paths = write_files(tmp_path, {k: textwrap.dedent(v) for k, v in SOURCES.items()})
    rng = random.Random(request.param)
    arcs = {path: _measured(path, rng, 0.7) for name, path in paths.items()}
    arcs[paths["pkg/full.py"]] = {(-1, 1), (1, 2), (2, 3), (3, -1)}
    arcs[paths["pkg/straight.py"]] = {(-1, 1), (1, 2), (2, -1)}
    return arcs


def _coverage(arcs: dict[str, set[tuple[int, int]]], precision: int = 0) -> coverage.Coverage:
    cov = coverage.Coverage(data_file=None, config_file=False)
    cov.set_option("report:exclude_lines", list(DEFAULT_EXCLUDE))
    cov.set_option("report:precision", precision)
    data = cov.get_data()
    data.add_arcs({name: sorted(a) for name, a in arcs.items()})
    weakref.finalize(cov, data.close, True)
    return cov


def _analyses(arcs: dict[str, set[tuple[int, int]]]) -> list[Analysis]:
    clear_parse_cache()
    data = StandInData(arcs=arcs)
    return [analyze(data, name, list(DEFAULT_EXCLUDE)) for name in sorted(arcs)]


def _both(arcs: dict[str, set[tuple[int, int]]], precision: int = 0, **options: Any) -> tuple[str, str]:
    theirs = io.StringIO()
    their_total = _coverage(arcs, precision).report(file=theirs, **options)
    ours = io.StringIO()
    our_total = text_report(
        _analyses(arcs), ours,
        show_missing=options.get("show_missing", False), precision=precision,
        skip_covered=options.get("skip_covered", False), skip_empty=options.get("skip_empty", False),
        sort=options.get("sort"), output_format=options.get("output_format"),
    )  # fmt: skip
    assert our_total == their_total
    return theirs.getvalue(), ours.getvalue()


@pytest.mark.parametrize("output_format", ["text", "markdown", "total"])
@pytest.mark.parametrize("precision", [0, 2])
@pytest.mark.parametrize("show_missing", [False, True])
def test_formats_same_as_coverage(
    project: dict[str, set[tuple[int, int]]], output_format: str, precision: int, show_missing: bool
) -> None:
    theirs, ours = _both(
        project, precision, show_missing=show_missing, output_format=output_format
    )
    assert ours == theirs


@pytest.mark.parametrize("sort", ["branch", "-brpart", "BrPart", "cover", "-miss", "name"])
def test_sorting_by_branch_columns_same_as_coverage(
    project: dict[str, set[tuple[int, int]]], sort: str
) -> None:
    theirs, ours = _both(project, show_missing=True, sort=sort)
    assert ours == theirs


@pytest.mark.parametrize("output_format", ["text", "markdown"])
@pytest.mark.parametrize(
    "options", [{"skip_covered": True}, {"skip_empty": True}, {"skip_covered": True, "skip_empty": True}]
)
def test_skipping_same_as_coverage(
    project: dict[str, set[tuple[int, int]]], options: dict[str, Any], output_format: str
) -> None:
    theirs, ours = _both(project, show_missing=True, output_format=output_format, **options)
    assert ours == theirs


def test_json_same_as_coverage(project: dict[str, set[tuple[int, int]]], tmp_path: Path) -> None:
    _coverage(project, precision=1).json_report(outfile=str(tmp_path / "theirs.json"))
    json_report(_analyses(project), str(tmp_path / "ours.json"), precision=1)
    theirs = json.loads((tmp_path / "theirs.json").read_text())
    ours = json.loads((tmp_path / "ours.json").read_text())
    for report in (theirs, ours):
        for key in ("version", "timestamp"):
            report["meta"].pop(key)
    assert ours == theirs


def test_analysis_api_same_as_coverage(project: dict[str, set[tuple[int, int]]]) -> None:
    cov = _coverage(project)
    for ours in _analyses(project):
        theirs = cov._analyze(ours.filename)  # pylint: disable=protected-access
        assert sorted(ours.arc_possibilities) == theirs.arc_possibilities
        assert sorted(ours.arcs_executed) == theirs.arcs_executed
        assert ours.exit_counts == dict(theirs.exit_counts)
        assert ours.no_branch == theirs.no_branch
        assert dict(ours.missing_branch_arcs()) == dict(theirs.missing_branch_arcs())
        assert ours.missing_formatted(branches=True) == theirs.missing_formatted(branches=True)


def test_missing_branch_sentences(project: dict[str, set[tuple[int, int]]]) -> None:
    for analysis in _analyses(project):
        descriptions = analysis.missing_branch_descriptions()
        missing = [(a, b) for a, ends in analysis.missing_branch_arcs().items() for b in ends]
        assert sorted(descriptions) == sorted(missing)
        for (start, end), sentence in descriptions.items():
            assert sentence.startswith(f"line {start} didn't ")


def test_unknown_format_is_one_clear_error(project: dict[str, set[tuple[int, int]]]) -> None:
    with pytest.raises(coverage.exceptions.ConfigError) as theirs:
        _coverage(project).report(file=io.StringIO(), output_format="html")
    with pytest.raises(ConfigError) as ours:
        text_report(_analyses(project), io.StringIO(), False, 0, output_format="html")
    assert str(ours.value) == str(theirs.value) == "Unknown report format choice: 'html'"


CLI_PROGRAM = """\
import sys

def f(x):
    if x:
        return 1
    for i in range(x):  # maybe
        pass
    return 0

f(0)
if len(sys.argv) > 3:
    f(1)
"""


@pytest.mark.parametrize(
    "options",
    [
        ["-m"],
        ["-m", "--format=markdown", "--precision=1"],
        ["--format=total", "--precision=2"],
        ["-m", "--skip-covered", "--skip-empty", "--sort=-brpart"],
    ],
)
def test_cli_reports_same_as_coverage(tmp_path: Path, options: list[str]) -> None:
    """`covcore report` options, and [report] settings from the config file, as coverage.py's."""
    (tmp_path / "prog.py").write_text(CLI_PROGRAM)
    (tmp_path / "empty.py").write_text("")
    (tmp_path / "other.py").write_text("import empty\n")
    rc = "[report]\npartial_also =\n    # maybe\n"
    (tmp_path / ".coveragerc").write_text(rc)
    (tmp_path / ".covcorerc").write_text(rc)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COVCORE_"))}
    env["COVERAGE_CORE"] = "ctrace"

    def run(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", *args], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    for tool in ("coverage", "covcore"):
        run(tool, "run", "--branch", "--source=.", "prog.py")
        run(tool, "run", "--branch", "--source=.", "--append", "other.py")
    assert run("covcore", "report", *options) == run("coverage", "report", *options)

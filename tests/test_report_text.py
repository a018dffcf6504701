"""The text report prints exactly what ``coverage report`` prints for the same data."""

from __future__ import annotations

import io
import sys
import textwrap
from pathlib import Path
from typing import Any

import coverage.exceptions
import pytest

from covcore.exceptions import ConfigError, CovcoreError
from covcore.report_text import text_report
from report_oracle import (
    OLD_COVERAGE,
    StandInData,
    covcore_analyses,
    coverage_text_report,
    make_coverage,
    write_files,
)

PROGRAM = textwrap.dedent(
    """\
    import sys

    def f(x):
        if x:
            return 1
        return 2

    def g():  # pragma: no cover
        return 3

    class C:
        def m(self):
            return (
                4
            )

    if __name__ == "__main__":
        print(f(1))
    """
)

# relative name -> (source, executed lines)
PROJECT: dict[str, tuple[str, list[int]]] = {
    "prog.py": (PROGRAM, [1, 3, 4, 5, 11, 12, 17]),
    "pkg/__init__.py": ("", []),
    "pkg/file2.py": ("a = 1\nb = 2\n", [1, 2]),
    "pkg/file10.py": ("a = 1\nb = 2\nc = 3\n", [1]),
    "pkg/nothing_ran.py": ("a = 1\nif a:\n    b = 2\n", []),
    "pkg/a_rather_long_directory_name/module_with_long_name.py": ("x = 1\n", [1]),
    "docs_only.py": ('"""Just a docstring."""\n', []),
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """The project written under the current directory, plus one file outside it."""
    inside = tmp_path / "proj"
    inside.mkdir()
    monkeypatch.chdir(inside)
    paths = write_files(inside, {name: src for name, (src, _) in PROJECT.items()})
    executed = {paths[name]: lines for name, (_, lines) in PROJECT.items()}
    outside = write_files(tmp_path / "elsewhere", {"other.py": "o = 1\np = 2\n"})
    executed[outside["other.py"]] = [2]
    return executed


def both_reports(
    executed: dict[str, list[int]], precision: int = 0, **options: Any
) -> tuple[tuple[str, float], tuple[str, float]]:
    """(coverage.py's report and total, covcore's report and total)."""
    cov = make_coverage(executed, precision=precision)
    theirs = coverage_text_report(cov, **options)
    out = io.StringIO()
    total = text_report(
        covcore_analyses(executed),
        out,
        show_missing=options.get("show_missing", False),
        precision=precision,
        skip_covered=options.get("skip_covered", False),
        skip_empty=options.get("skip_empty", False),
        sort=options.get("sort"),
    )
    return theirs, (out.getvalue(), total)


@pytest.mark.parametrize("show_missing", [False, True])
@pytest.mark.parametrize("precision", [0, 1, 2, 4])
def test_same_as_coverage(project: dict[str, list[int]], show_missing: bool, precision: int) -> None:
    theirs, ours = both_reports(project, precision=precision, show_missing=show_missing)
    assert ours == theirs


@pytest.mark.parametrize(
    "sort", ["name", "-name", "stmts", "-stmts", "miss", "+miss", "-miss", "cover", "-cover", "Cover"]
)
def test_sorting_same_as_coverage(project: dict[str, list[int]], sort: str) -> None:
    theirs, ours = both_reports(project, show_missing=True, sort=sort)
    assert ours == theirs


@pytest.mark.parametrize(
    "options",
    [
        {"skip_covered": True},
        {"skip_empty": True},
        {"skip_covered": True, "skip_empty": True, "show_missing": True},
    ],
)
def test_skipping_same_as_coverage(project: dict[str, list[int]], options: dict[str, Any]) -> None:
    theirs, ours = both_reports(project, **options)
    assert ours == theirs


def test_all_files_skipped_same_as_coverage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    paths = write_files(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 1\n"})
    executed = {paths["a.py"]: [1], paths["b.py"]: [1]}
    theirs, ours = both_reports(executed, skip_covered=True)
    assert ours == theirs
    assert ours[0] == textwrap.dedent(
        """\
        Name    Stmts   Miss  Cover
        ---------------------------
        TOTAL       2      0   100%

        2 files skipped due to complete coverage.
        """
    )


def test_report_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    paths = write_files(tmp_path, {name: src for name, (src, _) in PROJECT.items()})
    executed = {paths[name]: lines for name, (_, lines) in PROJECT.items()}
    out = io.StringIO()
    total = text_report(covcore_analyses(executed), out, show_missing=True, precision=0)
    assert out.getvalue() == LAYOUT
    assert total == pytest.approx(100 * 11 / 19)


LAYOUT = """\
Name                                                        Stmts   Miss  Cover   Missing
-----------------------------------------------------------------------------------------
docs_only.py                                                    0      0   100%
pkg/__init__.py                                                 0      0   100%
pkg/a_rather_long_directory_name/module_with_long_name.py       1      0   100%
pkg/file2.py                                                    2      0   100%
pkg/file10.py                                                   3      2    33%   2-3
pkg/nothing_ran.py                                              3      3     0%   1-3
prog.py                                                        10      3    70%   6, 13, 18
-----------------------------------------------------------------------------------------
TOTAL                                                          19      8    58%
"""


def test_report_layout_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    paths = write_files(tmp_path, {"prog.py": PROGRAM})
    out = io.StringIO()
    [analysis] = covcore_analyses({paths["prog.py"]: [1, 3, 4, 5, 11, 12, 17]})
    total = text_report([analysis], out, show_missing=True, precision=1)
    assert out.getvalue() == textwrap.dedent(
        """\
        Name      Stmts   Miss  Cover   Missing
        ---------------------------------------
        prog.py      10      3  70.0%   6, 13, 18
        ---------------------------------------
        TOTAL        10      3  70.0%
        """
    )
    assert total == 70.0


def test_names_relative_to_given_directory(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"sub/mod.py": "x = 1\n"})
    [analysis] = covcore_analyses({paths["sub/mod.py"]: [1]})
    out = io.StringIO()
    text_report([analysis], out, show_missing=False, precision=0, relative_to=str(tmp_path))
    assert out.getvalue().splitlines()[2].startswith("sub/mod.py ")


@pytest.mark.skipif(OLD_COVERAGE, reason="coverage.py 7.16 prints control characters as they are")
def test_control_characters_in_names_same_as_coverage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paths = write_files(tmp_path, {"bad\x1b[31mname.py": "x = 1\n"})
    executed = {paths["bad\x1b[31mname.py"]: [1]}
    theirs, ours = both_reports(executed)
    assert ours == theirs
    assert "bad?[31mname.py" in ours[0]


def test_invalid_sort_same_message_as_coverage(project: dict[str, list[int]]) -> None:
    with pytest.raises(coverage.exceptions.ConfigError) as theirs:
        both_reports(project, sort="bogus")
    with pytest.raises(ConfigError) as ours:
        text_report(covcore_analyses(project), io.StringIO(), False, 0, sort="bogus")
    assert str(ours.value) == str(theirs.value) == "Invalid sorting option: 'bogus'"


def test_branch_columns_need_branch_data(project: dict[str, list[int]]) -> None:
    with pytest.raises(ConfigError):
        text_report(covcore_analyses(project), io.StringIO(), False, 0, sort="branch")


def test_no_data_to_report() -> None:
    with pytest.raises(CovcoreError, match=r"^No data to report\.$"):
        text_report([], io.StringIO(), show_missing=True, precision=0)


def test_negative_precision_is_one_clear_error(project: dict[str, list[int]]) -> None:
    out = io.StringIO()
    with pytest.raises(ConfigError, match="precision=-2 is invalid"):
        text_report(covcore_analyses(project), out, show_missing=False, precision=-2)
    assert out.getvalue() == ""


def test_branch_data_adds_branch_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same table as `coverage report -m` prints for this run.
    monkeypatch.chdir(tmp_path)
    paths = write_files(tmp_path, {"m.py": "x = 1\nif x:\n    y = 2\n"})
    data = StandInData(arcs={paths["m.py"]: [(-1, 1), (1, 2), (2, 3), (3, -1)]})
    from covcore.results import analyze

    out = io.StringIO()
    text_report([analyze(data, paths["m.py"], [])], out, show_missing=True, precision=0)
    assert out.getvalue().splitlines()[0] == "Name    Stmts   Miss Branch BrPart  Cover   Missing"
    assert out.getvalue().splitlines()[2] == "m.py        3      0      2      1    80%   2->exit"


def test_writes_to_stdout(project: dict[str, list[int]], capsys: pytest.CaptureFixture[str]) -> None:
    text_report(covcore_analyses(project), sys.stdout, show_missing=False, precision=0)
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.split() == ["TOTAL", "21", "9", "57%"]

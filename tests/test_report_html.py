"""The HTML report: its pages, its numbers, what it leaves out, and incremental runs.

The pages in a real browser are tested in test_html_browser.py.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sysconfig
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable

import pytest

from covcore import Coverage
from covcore.data import CoverageData
from covcore.html_source import token_lines
from covcore.parser import read_source
from covcore.report_html import HtmlOptions, html_report, page_name, page_name_re
from covcore.results import analyze, clear_parse_cache
from conftest import run_covcore

MakeFile = Callable[[str, str], Path]

PROGRAM = """\
    def classify(n):
        if n < 0:
            return "negative"
        elif n == 0:
            return "zero"
        return "positive"

    def loop(items):
        for item in items:
            if item:
                break
        return items

    class Shape:
        def area(self):
            return 0

        def never(self):
            x = 1 < 2
            return x

    def excluded():  # pragma: no cover
        return 1

    classify(5)
    classify(-1)
    loop([1])
    Shape().area()
    """


class _Cells(HTMLParser):
    """The index table's rows: name and the data-v of each cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append({})
        elif tag == "td" and self._in_body and self.rows:
            self.rows[-1][str(values.get("class"))] = str(values.get("data-v"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False


def _index_rows(path: Path) -> list[dict[str, str]]:
    parser = _Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.rows


@pytest.fixture
def project(tmp_path: Path, make_file: MakeFile) -> Path:
    make_file("prog.py", PROGRAM)
    make_file("helper.py", "def helper(x):\n    return x * 2\n\nhelper(1)\n")
    make_file("empty.py", "")
    make_file("main.py", "import prog, helper, empty\n")
    assert run_covcore(["run", "--branch", "main.py"], tmp_path).returncode == 0
    return tmp_path


def test_index_numbers_equal_the_json_report(project: Path) -> None:
    """Every row of every index page has the JSON report's numbers."""
    proc = run_covcore(["html"], project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"Wrote HTML report to {os.path.join('htmlcov', 'index.html')}"
    assert run_covcore(["json", "-o", "cov.json"], project).returncode == 0
    report = json.loads((project / "cov.json").read_text())
    html = project / "htmlcov"
    assert {p.name for p in html.iterdir()} >= {
        "index.html", "function_index.html", "class_index.html", "covcore.css", "covcore.js",
        "status.json", ".gitignore", page_name("prog.py"),
    }
    rows = {row["name"]: row for row in _index_rows(html / "index.html")}
    assert set(rows) == set(report["files"])
    for name, entry in report["files"].items():
        summary = entry["summary"]
        row = rows[name]
        assert int(row["stmts"]) == summary["num_statements"]
        assert int(row["miss"]) == summary["missing_lines"]
        assert int(row["excl"]) == summary["excluded_lines"]
        assert int(row["branch"]) == summary["num_branches"]
        assert int(row["part"]) == summary["num_partial_branches"]
        assert float(row["cover"]) == pytest.approx(summary["percent_covered"])
    functions = _index_rows(html / "function_index.html")
    json_functions = {
        (name, fname): f["summary"] for name, entry in report["files"].items() for fname, f in entry["functions"].items()
    }
    assert len(functions) == len(json_functions)
    by_key = {(row["name"], row["name region"]): row for row in functions}
    assert int(by_key[("prog.py", "never")]["miss"]) == 2  # sorted by the last part of the name
    classes = {(row["name"], row["name region"]) for row in _index_rows(html / "class_index.html")}
    assert ("prog.py", "Shape") in classes


def test_file_page_shows_lines_and_partial_branch_sentences(project: Path) -> None:
    assert run_covcore(["html"], project).returncode == 0
    page = (project / "htmlcov" / page_name("prog.py")).read_text(encoding="utf-8")
    cov = Coverage(data_file=str(project / ".covcore"))
    os.chdir(project)
    clear_parse_cache()
    analysis = cov.analysis(str(project / "prog.py"))
    categories = {int(n): cls for cls, n in re.findall(r'<div class="line ?([a-z ]*)" id="t(\d+)">', page)}
    assert {n for n, cls in categories.items() if cls == "mis"} == analysis.missing
    assert {n for n, cls in categories.items() if cls == "exc"} >= {22}
    assert {n for n, cls in categories.items() if cls == "par"} == set(analysis.missing_branch_arcs())
    for sentence in analysis.missing_branch_descriptions().values():
        assert f'<span class="why">{sentence.replace(chr(39), "&#x27;")}</span>' in page
    assert "line 4 didn&#x27;t jump to line 5 because the condition on line 4 was never true" in page
    assert "9&#x202F;&#x219B;&#x202F;12" in page
    # States are not told by colour alone: each first line has a mark and words.
    assert page.count('<span class="sr">missing: </span>') == len(analysis.missing)
    # Source is escaped and highlighted.
    assert '<span class="kw">def</span> <span class="nam">never</span>' in page
    assert '<span class="num">1</span> <span class="op">&lt;</span> <span class="num">2</span>' in page


def test_pages_are_self_contained(project: Path) -> None:
    """No page loads anything from the network or outside the report."""
    assert run_covcore(["html"], project).returncode == 0
    for path in (project / "htmlcov").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        for url in re.findall(r'(?:src|href)="([^"]*)"', text):
            assert not re.match(r"^[a-z]+://|^//", url), (path.name, url)
            assert url.startswith(("#", "data:")) or (project / "htmlcov" / url.split("#")[0].split("?")[0]).exists(), url
    js = (project / "htmlcov" / "covcore.js").read_text()
    assert "fetch(" not in js and "XMLHttpRequest" not in js and "import " not in js


def test_skip_covered_and_skip_empty(project: Path) -> None:
    assert run_covcore(["html", "--skip-empty"], project).returncode == 0
    names = [row["name"] for row in _index_rows(project / "htmlcov" / "index.html")]
    assert names == ["helper.py", "main.py", "prog.py"]
    assert "1 empty file skipped." in (project / "htmlcov" / "index.html").read_text(encoding="utf-8")
    assert (project / "htmlcov" / page_name("helper.py")).exists()
    # An empty file is fully covered too, so --skip-covered counts it first, as coverage.py does.
    proc = run_covcore(["html", "--skip-covered", "--skip-empty", "--title", "My <app>"], project)
    assert proc.returncode == 0
    index = (project / "htmlcov" / "index.html").read_text(encoding="utf-8")
    assert [row["name"] for row in _index_rows(project / "htmlcov" / "index.html")] == ["prog.py"]
    assert "3 files skipped due to complete coverage." in index
    assert "<title>My &lt;app&gt;: " in index
    assert not (project / "htmlcov" / page_name("helper.py")).exists()
    # The total still counts the skipped files, as coverage.py's does.
    report = run_covcore(["report", "--format=total"], project).stdout.strip()
    assert f'<span class="pc-total">{report}%</span>' in index


def test_fail_under_and_precision(project: Path) -> None:
    proc = run_covcore(["html", "--precision=2", "--fail-under=99", "-q"], project)
    assert proc.returncode == 2
    assert proc.stdout.startswith("Coverage failure: total of ")
    index = (project / "htmlcov" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<span class="pc-total">\d+\.\d\d%</span>', index)


def test_show_contexts_without_contexts_says_so(project: Path) -> None:
    proc = run_covcore(["html", "--show-contexts"], project)
    assert proc.returncode == 0
    assert "No contexts were measured" in proc.stderr
    assert "No contexts were measured." in (project / "htmlcov" / "index.html").read_text(encoding="utf-8")


class _ContextData(CoverageData):
    """Data that knows which test ran each line (the hook reports use)."""

    def contexts_by_lineno(self, filename: str) -> dict[int, list[str]]:
        return {line: ["test_one", "test_two"] if line > 2 else [""] for line in self.lines(filename) or ()}


def test_contexts_are_shown_when_measured(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    data = _ContextData(str(project / ".covcore"))
    data.read()
    paths = sorted(data.measured_files())
    out = project / "ctx"
    html_report(data, paths, lambda d, p: analyze(d, p, []), HtmlOptions(directory=str(out), show_contexts=True))
    page = (out / page_name("prog.py")).read_text(encoding="utf-8")
    assert "<summary>2 contexts</summary><ul><li>test_one</li><li>test_two</li></ul>" in page
    assert "<li>(empty)</li>" in (out / page_name("helper.py")).read_text(encoding="utf-8")


# -- Incremental runs --


class _Counter:
    def __init__(self, cov: Coverage) -> None:
        self.analyzed: list[str] = []
        self.real = cov._analyze

    def __call__(self, data: Any, path: str) -> Any:
        self.analyzed.append(os.path.basename(path))
        return self.real(data, path)


def _html(project: Path, **kwargs: Any) -> tuple[list[str], dict[str, int]]:
    """Run the HTML report in-process; (files analyzed, page -> mtime)."""
    clear_parse_cache()
    cov = Coverage(data_file=str(project / ".covcore"))
    counter = _Counter(cov)
    cov._analyze = counter  # type: ignore[method-assign]
    cov.html_report(directory=str(project / "htmlcov"), **kwargs)
    pages = {p.name: p.stat().st_mtime_ns for p in (project / "htmlcov").glob("*.html") if page_name_re.fullmatch(p.name)}
    return sorted(counter.analyzed), pages


def test_second_run_analyzes_and_writes_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    analyzed, pages = _html(project)
    assert analyzed == ["empty.py", "helper.py", "main.py", "prog.py"]
    again, pages_again = _html(project)
    assert again == []
    assert pages_again == pages


def test_changed_source_or_data_redoes_only_that_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    _, pages = _html(project)
    helper = project / "helper.py"
    helper.write_text(helper.read_text() + "# a comment\n")
    analyzed, after = _html(project)
    assert analyzed == ["helper.py"]
    assert [name for name in pages if after[name] != pages[name]] == [page_name("helper.py")]
    assert "# a comment" in (project / "htmlcov" / page_name("helper.py")).read_text(encoding="utf-8")
    # New data for prog.py only (another run, appended): only prog.py is redone.
    (project / "more.py").write_text("import prog\nprog.classify(0)\n")
    assert run_covcore(["run", "--branch", "-a", "--include=prog.py", "more.py"], project).returncode == 0
    analyzed, _ = _html(project)
    assert analyzed == ["prog.py"]
    rows = {row["name"]: row for row in _index_rows(project / "htmlcov" / "index.html")}
    assert rows["prog.py"]["part"] == "2"  # was 3: line 4 has now gone both ways


def test_changed_settings_redo_everything(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    _html(project)
    analyzed, _ = _html(project, title="Another title")
    assert analyzed == ["empty.py", "helper.py", "main.py", "prog.py"]
    (project / "htmlcov" / "status.json").write_text("{not json")
    analyzed, _ = _html(project, title="Another title")
    assert len(analyzed) == 4


def test_files_no_longer_reported_lose_their_pages(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    _, pages = _html(project)
    assert page_name("main.py") in pages
    analyzed, after = _html(project, omit=["*/main.py"])
    assert page_name("main.py") not in after
    # Its neighbours' links to the previous and next file changed: only they were redone.
    assert analyzed == ["helper.py", "prog.py"]
    assert after[page_name("empty.py")] == pages[page_name("empty.py")]
    assert after[page_name("helper.py")] != pages[page_name("helper.py")]
    assert f'data-next="{page_name("prog.py")}"' in (project / "htmlcov" / page_name("helper.py")).read_text()


def test_an_unchanged_page_deleted_by_hand_is_written_again(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    _html(project)
    (project / "htmlcov" / page_name("prog.py")).unlink()
    analyzed, pages = _html(project)
    assert analyzed == ["prog.py"]
    assert page_name("prog.py") in pages


# -- Highlighting --


def test_token_lines_keep_every_character() -> None:
    """On a sample of the standard library, the pieces of each line join into the line."""
    stdlib = sorted(glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "*.py")))[::15]
    assert len(stdlib) > 10
    for path in stdlib:
        text = read_source(path)
        lines = token_lines(text)
        assert ["".join(piece for _, piece in line) for line in lines] == text.split("\n")[:-1], path


def test_token_classes() -> None:
    lines = token_lines('x = f"a{b!r}"  # note\nif 0x1F:\n    """doc\n    string"""\n')
    assert lines[0] == [
        ("nam", "x"), ("", " "), ("op", "="), ("", " "), *_fstring_pieces(), ("", "  "), ("com", "# note"),
    ]
    assert lines[1] == [("kw", "if"), ("", " "), ("num", "0x1F"), ("op", ":")]
    assert lines[2] == [("", "    "), ("str", '"""doc')]
    assert lines[3] == [("str", '    string"""')]
    # An unfinished source keeps its text.
    broken = token_lines('s = """never closed\nmore\n')
    assert ["".join(piece for _, piece in line) for line in broken] == ['s = """never closed', "more"]


def _fstring_pieces() -> list[tuple[str, str]]:
    import sys

    if sys.version_info >= (3, 12):
        return [("str", 'f"a'), ("op", "{"), ("nam", "b"), ("op", "!"), ("nam", "r"), ("op", "}"), ("str", '"')]
    return [("str", 'f"a{b!r}"')]


def _foot(path: Path, key: str) -> str:
    found = re.search(rf'<tfoot><tr class="total">.*?<td class="{key}" data-v="([^"]*)"', path.read_text(encoding="utf-8"))
    assert found, path
    return found.group(1)


def test_index_groups_columns_as_statements_and_branches(project: Path, make_file: MakeFile) -> None:
    assert run_covcore(["html"], project).returncode == 0
    index = (project / "htmlcov" / "index.html").read_text(encoding="utf-8")
    groups = re.findall(r'<th scope="colgroup" colspan="(\d)" class="group">(\w+)</th>', index)
    assert groups == [("4", "Statements"), ("3", "Branches"), ("1", "Total")]
    assert re.findall(r'data-key="(\w+)"', index) == [
        "file", "stmts", "miss", "excl", "scover", "branch", "part", "bcover", "cover"]
    functions = (project / "htmlcov" / "function_index.html").read_text(encoding="utf-8")
    assert '<tr class="groups"><td colspan="2"></td>' in functions
    # Line data: no branch columns, nothing to group.
    assert run_covcore(["run", "main.py"], project).returncode == 0
    assert run_covcore(["html", "-d", "lines"], project).returncode == 0
    index = (project / "lines" / "index.html").read_text(encoding="utf-8")
    assert 'class="groups"' not in index
    assert re.findall(r'data-key="(\w+)"', index) == ["file", "stmts", "miss", "excl", "cover"]


def test_every_index_totals_every_file_with_skip_covered(project: Path) -> None:
    assert run_covcore(["html", "--skip-covered"], project).returncode == 0
    assert run_covcore(["json", "-o", "cov.json"], project).returncode == 0
    totals = json.loads((project / "cov.json").read_text())["totals"]
    html = project / "htmlcov"
    for page in ("index.html", "function_index.html", "class_index.html"):
        assert int(_foot(html / page, "stmts")) == totals["num_statements"], page
        assert int(_foot(html / page, "branch")) == totals["num_branches"], page
        assert float(_foot(html / page, "cover")) == pytest.approx(totals["percent_covered"]), page
        assert float(_foot(html / page, "scover")) == pytest.approx(totals["percent_statements_covered"]), page
        assert float(_foot(html / page, "bcover")) == pytest.approx(totals["percent_branches_covered"]), page
    listed = sum(int(row["stmts"]) for row in _index_rows(html / "function_index.html"))
    assert listed < totals["num_statements"]


def test_table_of_contents_names_kinds_in_full(project: Path) -> None:
    assert run_covcore(["html"], project).returncode == 0
    page = (project / "htmlcov" / page_name("prog.py")).read_text(encoding="utf-8")
    kinds = re.findall(r'<span class="kind">([^<]*)</span>', page)
    assert set(kinds) == {"function", "class"}
    # Outside the header, which stays on screen: the list may be long.
    assert page.index('class="toc"') > page.index("</header>")

"""Contexts: switching, test-function contexts, the data file, report filters.

Switching contexts must make every core report a line again in each new
context (the settrace core's "fully covered" skip, sys.monitoring's DISABLE),
so the switching tests run on every core.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import coverage
import pytest

from covcore import Coverage
from covcore.data import APPLICATION_ID, CoverageData
from covcore.numbits import encode_lines

from conftest import run_covcore

#: coverage.py 7.16 (the oracle on Python 3.10) does not filter XML and LCOV by contexts.
OLD_COVERAGE = coverage.version_info[:3] < (7, 17, 0)

MODULE = """\
def double(x):
    return x * 2

def sign(x):
    if x > 0:
        return 1
    return -1
"""


@pytest.fixture
def measured_module(tmp_path: Path, make_file: Callable[[str, str], Path]) -> Any:
    """A fresh module in the test's directory, imported by name."""
    name = f"ctxmod_{abs(hash(str(tmp_path))) % 10**8}"
    make_file(f"{name}.py", MODULE)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "arcs"])
def test_every_context_sees_its_lines(tmp_path: Path, core: str, branch: bool, measured_module: Any) -> None:
    mod = measured_module
    cov = Coverage(data_file=str(tmp_path / ".covcore"), source=[str(tmp_path)], core=core, branch=branch,
                   config_file=False)
    cov.start()
    try:
        for _ in range(3):          # run the code often enough to be "fully covered"
            mod.double(1)
            mod.sign(1)
        cov.switch_context("second")
        mod.double(2)
        cov.switch_context("third")
        mod.sign(-1)
        mod.sign(1)
        cov.switch_context("")
    finally:
        cov.stop()
    cov.save()
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    by_line = data.contexts_by_lineno(mod.__file__)
    assert by_line[2] == ["", "second"]
    assert by_line[5] == ["", "third"]
    assert by_line[6] == ["", "third"]
    assert by_line[7] == ["third"]
    assert data.measured_contexts() == {"", "second", "third"}
    data.set_query_contexts(["^th"])
    assert data.lines(mod.__file__) == [5, 6, 7]


def test_static_and_dynamic_contexts_combine(tmp_path: Path, measured_module: Any) -> None:
    cov = Coverage(data_file=str(tmp_path / ".covcore"), source=[str(tmp_path)], config_file=False,
                   context="linux")
    cov.start()
    measured_module.double(1)
    cov.switch_context("test_x")
    measured_module.sign(1)
    cov.stop()
    cov.save()
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    by_line = data.contexts_by_lineno(measured_module.__file__)
    assert by_line[2] == ["linux"]
    assert by_line[5] == ["linux|test_x"]


PROGRAM = """\
import unittest

def f(x):
    if x:
        return 1
    return 2

def test_one():
    assert f(1) == 1

def test_two():
    assert f(0) == 2

class TestThing(unittest.TestCase):
    def test_method(self):
        self.assertEqual(f(1), 1)

def helper():
    return f(0)

test_one()
test_two()
helper()
TestThing("test_method").test_method()
try:
    def test_raises():
        f(1)
        raise ValueError
    test_raises()
except ValueError:
    pass
f(1)
"""


def _coverage_py_contexts(tmp_path: Path, program: str) -> dict[int, list[str]]:
    (tmp_path / ".coveragerc").write_text("[run]\ndynamic_context = test_function\n")
    subprocess.run([sys.executable, "-m", "coverage", "run", program], cwd=tmp_path, check=True,
                   capture_output=True)
    script = (
        "import coverage, json, os\n"
        "d = coverage.CoverageData(); d.read()\n"
        f"print(json.dumps(d.contexts_by_lineno(os.path.abspath({program!r}))))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True, capture_output=True, text=True)
    return {int(k): sorted(v) for k, v in json.loads(out.stdout).items()}


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "arcs"])
def test_test_function_contexts_equal_coverage_py(
    tmp_path: Path, core: str, branch: bool, make_file: Callable[[str, str], Path],
) -> None:
    make_file("prog.py", PROGRAM)
    expected = _coverage_py_contexts(tmp_path, "prog.py") if not branch else None
    (tmp_path / ".covcorerc").write_text(f"[run]\ndynamic_context = test_function\nbranch = {branch}\n")
    result = run_covcore(["run", "--core", core, "prog.py"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    ours = data.contexts_by_lineno(str(tmp_path / "prog.py"))
    if expected is not None:
        assert ours == expected
    assert ours[9] == ["__main__.test_one"]
    assert ours[16] == ["__main__.TestThing.test_method"]
    assert ours[19] == [""]
    # Back to no context after each test function, even one that raised.
    assert ours[28] == ["__main__.test_raises"]
    assert ours[31] == ours[32] == [""]


def test_contexts_report_filter_and_json(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", PROGRAM)
    make_file(".covcorerc", "[run]\ndynamic_context = test_function\n")
    assert run_covcore(["run", "prog.py"], tmp_path).returncode == 0
    only_two = run_covcore(["report", "-m", "--contexts=test_two"], tmp_path)
    assert only_two.returncode == 0
    row = [line for line in only_two.stdout.splitlines() if line.startswith("prog.py")][0]
    # Only f's "return 2" path and test_two itself ran in that context.
    assert row.split()[1:3] == ["26", "23"]
    assert run_covcore(["json", "--show-contexts", "-o", "out.json"], tmp_path).returncode == 0
    ours = json.loads((tmp_path / "out.json").read_text())
    (tmp_path / ".coveragerc").write_text("[run]\ndynamic_context = test_function\n")
    subprocess.run([sys.executable, "-m", "coverage", "run", "prog.py"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "coverage", "json", "--show-contexts", "-o", "theirs.json"],
                   cwd=tmp_path, check=True, capture_output=True)
    theirs = json.loads((tmp_path / "theirs.json").read_text())
    assert ours["meta"]["show_contexts"] is True

    def contexts(doc: dict[str, Any]) -> dict[str, list[str]]:
        return {line: sorted(names) for line, names in doc["files"]["prog.py"]["contexts"].items()}

    assert contexts(ours) == contexts(theirs)
    assert ours["files"]["prog.py"]["summary"] == theirs["files"]["prog.py"]["summary"]
    # The context filter means what coverage.py's means.
    for regex in ("test_two", "^__main__.Test", "test_one|test_raises"):
        theirs_report = subprocess.run(
            [sys.executable, "-m", "coverage", "report", "-m", f"--contexts={regex}"],
            cwd=tmp_path, capture_output=True, text=True, check=True,
        )
        assert run_covcore(["report", "-m", f"--contexts={regex}"], tmp_path).stdout == theirs_report.stdout
        # XML and LCOV too (coverage.py filters them since 7.18; its xml and
        # lcov commands take the regexes from [report] contexts only).
        if OLD_COVERAGE:
            continue
        (tmp_path / "only.rc").write_text(f"[report]\ncontexts = {regex}\n")
        for command, out in (("xml", "report.xml"), ("lcov", "report.lcov")):
            subprocess.run([sys.executable, "-m", "coverage", command, "-q", "--rcfile=only.rc", "-o", out],
                           cwd=tmp_path, check=True)
            theirs_text = _undated((tmp_path / out).read_text())
            assert run_covcore([command, f"--contexts={regex}", "-o", out], tmp_path).returncode == 0
            assert _undated((tmp_path / out).read_text()) == theirs_text, (command, regex)


def _undated(report: str) -> str:
    """An XML or LCOV report without what names its generator or the time."""
    report = re.sub(r'<coverage version="[^"]*" timestamp="\d+"', "<coverage", report, count=1)
    return re.sub(r"\t<!-- Generated by [^\n]*-->\n", "", report, count=1)


def test_html_report_shows_the_contexts_of_each_line(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    from covcore.report_html import page_name

    make_file("prog.py", PROGRAM)
    make_file(".covcorerc", "[run]\ndynamic_context = test_function\n")
    assert run_covcore(["run", "prog.py"], tmp_path).returncode == 0
    assert run_covcore(["html", "--show-contexts"], tmp_path).returncode == 0
    page = (tmp_path / "htmlcov" / page_name("prog.py")).read_text(encoding="utf-8")
    lines = {int(m[1]): m[2] for m in re.finditer(r'<div class="[^"]*" id="t(\d+)">(.*?)</div>\n', page)}
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    for number, names in data.contexts_by_lineno(os.path.realpath(tmp_path / "prog.py")).items():
        shown = "".join(f"<li>{name or '(empty)'}</li>" for name in sorted(names))
        assert f"<ul>{shown}</ul></details>" in lines[number], number
    assert "<summary>4 contexts</summary><ul><li>(empty)</li><li>__main__.TestThing.test_method</li>" \
        "<li>__main__.test_one</li><li>__main__.test_raises</li></ul>" in lines[5]
    assert "<summary>1 context</summary><ul><li>__main__.test_two</li></ul>" in lines[12]
    # Without --show-contexts (or [html] show_contexts), no contexts.
    assert run_covcore(["html", "-d", "plain"], tmp_path).returncode == 0
    assert 'class="ctx"' not in (tmp_path / "plain" / page_name("prog.py")).read_text(encoding="utf-8")


def test_bad_contexts_regex_is_one_line(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", "x = 1\n")
    assert run_covcore(["run", "prog.py"], tmp_path).returncode == 0
    result = run_covcore(["report", "--contexts=(oops"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("covcore: Invalid context regex '(oops': ")
    assert len(result.stderr.splitlines()) == 1


# -- The data file ----------------------------------------------------------


def test_contexts_round_trip_through_the_file(tmp_path: Path) -> None:
    data = CoverageData(str(tmp_path / ".covcore"))
    data.add_lines({"a.py": [1, 2]})
    data.add_lines({"a.py": [2, 3]}, context="t1|run")
    data.set_context("t2|run")
    data.add_lines({"a.py": [3], "b.py": [7]})
    data.touch_files(["c.py"])
    data.write()
    again = CoverageData(str(tmp_path / ".covcore"))
    again.read()
    assert again.contexts_by_lineno("a.py") == {1: [""], 2: ["", "t1|run"], 3: ["t1|run", "t2|run"]}
    assert again.measured_files() == {"a.py", "b.py", "c.py"}
    assert again.lines("c.py") == []
    assert again.measured_contexts() == {"", "t1|run", "t2|run"}
    # Writing again unites per context.
    more = CoverageData(str(tmp_path / ".covcore"))
    more.add_lines({"a.py": [9]}, context="t1|run")
    more.write()
    again.read()
    assert again.contexts_by_lineno("a.py")[9] == ["t1|run"]
    assert again.lines("a.py") == [1, 2, 3, 9]


def test_schema_1_files_are_read_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / ".covcore"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE measure (only_row INTEGER PRIMARY KEY CHECK (only_row = 1), kind TEXT NOT NULL)")
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID")
        con.execute("CREATE TABLE file (path TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL) WITHOUT ROWID")
        con.execute("INSERT INTO measure VALUES (1, 'lines')")
        con.execute("INSERT INTO file VALUES (?, ?)", ("a.py", encode_lines([1, 2, 9])))
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        con.execute("PRAGMA user_version = 1")
    con.close()
    data = CoverageData(str(path))
    data.read()
    assert data.lines("a.py") == [1, 2, 9]
    assert data.contexts_by_lineno("a.py") == {1: [""], 2: [""], 9: [""]}
    data.add_lines({"a.py": [3]}, context="new")
    data.write()
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 2
    con.close()
    again = CoverageData(str(path))
    again.read()
    assert again.contexts_by_lineno("a.py") == {1: [""], 2: [""], 3: ["new"], 9: [""]}


def test_contexts_survive_combining(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", "import sys\nif sys.argv[1] == 'a':\n    x = 1\nelse:\n    x = 2\n")
    for label in ("a", "b"):
        result = run_covcore(["run", "-p", f"--context=job-{label}", "prog.py", label], tmp_path)
        assert result.returncode == 0, result.stderr
    assert run_covcore(["combine"], tmp_path).returncode == 0
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.contexts_by_lineno(os.path.realpath(tmp_path / "prog.py")) == {
        1: ["job-a", "job-b"], 2: ["job-a", "job-b"], 3: ["job-a"], 5: ["job-b"],
    }


def test_contexts_reach_multiprocessing_workers(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("work.py", "def job(x):\n    return x * 2\n")
    make_file("prog.py", """\
        import multiprocessing
        import work

        if __name__ == "__main__":
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                print(pool.map(work.job, [1, 2]))
    """)
    result = run_covcore(["run", "--context=ci", "prog.py"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.contexts_by_lineno(os.path.realpath(tmp_path / "work.py"))[2] == ["ci"]

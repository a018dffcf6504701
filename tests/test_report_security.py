"""Hostile text in the reports, and odd paths in every command.

Source text, file names, a context label and a title that hold HTML and
script are escaped in the HTML report: no script of theirs runs in headless
Chromium (driven as in tests/test_html_browser.py), and the page shows them
as the text they are.  Paths with spaces, quotes, a newline and non-ASCII
letters work in run, report, html, json, xml, lcov, combine and erase.
"""

from __future__ import annotations

import json
import os
import xml.dom.minidom
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore
from fault_helpers import quiet
from proc_helpers import measured
from test_html_browser import browser  # noqa: F401 - the Chromium fixture

#: Each payload sets a flag of its own on window if it ever runs.
NAME_PAYLOAD = "<img src=x onerror=\"window.pwned_name=1\">"
CONTEXT_PAYLOAD = "<img src=x onerror=window.pwned_context=1>"
TITLE_PAYLOAD = "</title><script>window.pwned_title=1</script>"
SOURCE = """\
# <script>window.pwned_comment=1</script>
TEXT = "</script><script>window.pwned_string=1</script><img src=x onerror=window.pwned_img=1>"
def f(x):
    if x:  # <b onmouseover=window.pwned_hover=1>"'&amp;</b>
        return "<svg onload=window.pwned_svg=1>"
    return '<iframe srcdoc="<script>parent.pwned_frame=1</script>">'
f(1)
"""
FLAGS = ["pwned_name", "pwned_context", "pwned_title", "pwned_comment", "pwned_string", "pwned_img",
         "pwned_hover", "pwned_svg", "pwned_frame"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An HTML report (with contexts) of a file whose name and text are HTML and script."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / f"{NAME_PAYLOAD}.py").write_text(SOURCE)
    quiet(run_covcore(["run", "--branch", "--context", CONTEXT_PAYLOAD, f"{NAME_PAYLOAD}.py"], folder))
    result = run_covcore(["html", "--show-contexts", "--title", TITLE_PAYLOAD], folder)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return folder / "htmlcov"


INDEXES = ("index.html", "function_index.html", "class_index.html")


def _pages(report: Path) -> list[Path]:
    pages = sorted(report.glob("*.html"))
    assert sorted(p.name for p in pages if p.name in INDEXES) == sorted(INDEXES)
    assert len(pages) == 4      # the indexes and the file's page
    return pages


def test_hostile_text_is_escaped_in_every_page(hostile: Path) -> None:
    for page in _pages(hostile):
        html = page.read_text(encoding="utf-8")
        for raw in ("<script>window.pwned", "<img src=x", "<svg onload", "<iframe", "<b onmouseover"):
            assert raw not in html, (page.name, raw)
    index = (hostile / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=" in index


def test_no_hostile_script_runs_in_chromium(browser: Any, hostile: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    for page in _pages(hostile):
        browser.get(page.as_uri())
        browser.execute_script("window.localStorage.clear();")
        browser.get(page.as_uri())
        # Hover every line, for the onmouseover of the comment.
        for line in browser.find_elements(By.CSS_SELECTOR, "#source .line")[:8]:
            browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseover', {bubbles: true}))", line)
        ran = browser.execute_script(f"return {json.dumps(FLAGS)}.filter(f => window[f] !== undefined);")
        assert ran == [], (page.name, ran)
        # None of the payloads' elements exists; the page shows them as text.
        assert browser.execute_script("return document.querySelectorAll('img[src=x], svg[onload], iframe').length") == 0
        text = browser.find_element(By.TAG_NAME, "body").text
        if page.name in INDEXES:
            assert NAME_PAYLOAD in text
        else:
            assert "window.pwned_string=1" in text and "<svg onload=window.pwned_svg=1>" in text
            browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
            assert CONTEXT_PAYLOAD in browser.find_element(By.TAG_NAME, "body").text
    assert TITLE_PAYLOAD in browser.title or browser.title.startswith("Coverage for")


# Odd paths in every command ---------------------------------------------------------------------------

ODD_DIR = "odd dir/it's \"quoted\"/ünïcödé\nnew line"
ODD_NAME = "prög räm 'x'.py"


@pytest.fixture
def odd(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / ODD_DIR
    folder.mkdir(parents=True)
    (folder / ODD_NAME).write_text("import mød\nmød.f()\n")
    (folder / "mød.py").write_text("def f():\n    if True:\n        return 1\n")
    yield folder


def test_odd_paths_work_in_every_command(odd: Path, tmp_path: Path, core: str) -> None:
    data = str(odd / "dätä fïle 'x'")
    prog = str(odd / ODD_NAME)
    # run: from another directory, the program, the source and the data file all odd.
    quiet(run_covcore(["run", "--branch", "--core", core, "--source", str(odd), "--data-file", data, prog],
                      cwd=tmp_path))
    assert sorted(measured(Path(data))) == ["mød.py", ODD_NAME]
    # A second, parallel run next to it, then combine.
    quiet(run_covcore(["run", "-p", "--branch", "--core", core, "--source", str(odd), "--data-file", data, prog],
                      cwd=tmp_path))
    combined = run_covcore(["combine", "-a", "--data-file", data], cwd=tmp_path)
    assert combined.returncode == 0, combined.stderr
    assert "Combined data file" in combined.stdout

    report = run_covcore(["report", "-m", "--data-file", data], cwd=odd)
    assert report.returncode == 0, report.stderr
    assert "mød.py" in report.stdout and "prög räm 'x'.py" in report.stdout and "100%" in report.stdout

    out = odd / "öut dir \"q\""
    html = run_covcore(["html", "-d", str(out / "html cov"), "--data-file", data], cwd=odd)
    assert html.returncode == 0, html.stderr
    index = (out / "html cov" / "index.html").read_text(encoding="utf-8")
    assert "prög räm &#x27;x&#x27;.py" in index or "prög räm 'x'.py" in index

    js = run_covcore(["json", "-o", str(out / "j s.json"), "--data-file", data], cwd=odd)
    assert js.returncode == 0, js.stderr
    files = json.loads((out / "j s.json").read_text(encoding="utf-8"))["files"]
    assert sorted(files) == ["mød.py", ODD_NAME]

    xml_result = run_covcore(["xml", "-o", str(out / "x m'l.xml"), "--data-file", data], cwd=odd)
    assert xml_result.returncode == 0, xml_result.stderr
    doc = xml.dom.minidom.parse(str(out / "x m'l.xml"))
    assert sorted(c.getAttribute("filename") for c in doc.getElementsByTagName("class")) == ["mød.py", ODD_NAME]

    lcov = run_covcore(["lcov", "-o", str(out / "l cov.lcov"), "--data-file", data], cwd=odd)
    assert lcov.returncode == 0, lcov.stderr
    records = (out / "l cov.lcov").read_text(encoding="utf-8")
    assert sorted(line for line in records.splitlines() if line.startswith("SF:")) == ["SF:mød.py", f"SF:{ODD_NAME}"]
    # Every line of the file is a record line: the newline in the path broke none.
    assert all(line == "end_of_record" or ":" in line for line in records.splitlines())

    erase = run_covcore(["erase", "--data-file", data], cwd=tmp_path)
    assert (erase.returncode, erase.stderr) == (0, "")
    assert not os.path.exists(data)
    assert (odd / ODD_NAME).exists() and (odd / "mød.py").exists()


def test_odd_paths_in_the_file_names_the_reports_show(odd: Path, core: str) -> None:
    # Run from the odd directory itself: the reports' names are relative, newline and all.
    sub = odd / "sub dir\nwith \"quotes\""
    sub.mkdir()
    (sub / "__init__.py").write_text("")
    (sub / "ïn ner.py").write_text("x = 1\n")
    (odd / "main.py").write_text("import importlib\nimportlib.import_module('mød').f()\n"
                                 "import runpy\nrunpy.run_path(" + repr(str(sub / "ïn ner.py")) + ")\n")
    quiet(run_covcore(["run", "--core", core, "main.py"], cwd=odd))
    report = run_covcore(["report"], cwd=odd)
    assert report.returncode == 0, report.stderr
    js = run_covcore(["json", "-o", "-"], cwd=odd)
    files = json.loads(js.stdout)["files"]
    assert os.path.join("sub dir\nwith \"quotes\"", "ïn ner.py") in files
    html = run_covcore(["html", "-q"], cwd=odd)
    assert (html.returncode, html.stderr) == (0, "")
    pages = {p.name for p in (odd / "htmlcov").glob("*.html")} - set(INDEXES)
    assert len(pages) == 3      # main.py, mød.py and ïn ner.py

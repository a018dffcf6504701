"""The HTML report in a real headless Chromium, driven by selenium.

Chromium and its driver come from Debian's ``chromium`` and
``chromium-driver`` packages; ``make test`` (tests/install_system_tools.sh)
installs them when they are missing.  Without them these tests skip, saying
why the install did not happen.  Screenshots go to tests/out/.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore
from covcore.report_html import page_name
from test_report_html import PROGRAM

OUT_DIR = Path(__file__).parent / "out"
INSTALL_NOTE = OUT_DIR / "system-tools.txt"

#: The flags a root user needs in a container, and no network of its own.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1280,1000",
]


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or (name if os.path.isabs(name) and os.access(name, os.X_OK) else None)
        if found:
            return found
    return None


def _why_missing(what: str) -> str:
    note = INSTALL_NOTE.read_text().strip() if INSTALL_NOTE.exists() else "tests/install_system_tools.sh was not run"
    return f"{what} is not installed (apt-get install chromium chromium-driver): {note}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver  # a test requirement: missing, the test fails
    from selenium.webdriver.chrome.service import Service

    chromium = _find("chromium", "chromium-browser", "/usr/lib/chromium/chromium")
    driver_path = _find("chromedriver", "/usr/lib/chromium/chromedriver", "/usr/bin/chromedriver")
    if chromium is None:
        pytest.skip(_why_missing("Chromium"))
    if driver_path is None:
        pytest.skip(_why_missing("chromedriver"))
    profile = tempfile.mkdtemp(prefix="covcore-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A branch report of four files: one partial, one full, one empty, one missed."""
    folder = tmp_path_factory.mktemp("html-browser")
    (folder / "prog.py").write_text(PROGRAM.replace("\n    ", "\n").lstrip())
    (folder / "helper.py").write_text("def helper(x):\n    return x * 2\n\nhelper(1)\n")
    (folder / "empty.py").write_text("")
    (folder / "unused.py").write_text("def f():\n    return 1\n")
    (folder / "main.py").write_text("import prog, helper, empty\n")
    assert run_covcore(["run", "--branch", "--source=.", "main.py"], folder).returncode == 0
    proc = run_covcore(["html", "--title", "Browser test"], folder)
    assert proc.returncode == 0, proc.stderr
    return folder / "htmlcov"


def _open(driver: Any, url: str) -> None:
    driver.get(url)
    driver.execute_script("window.localStorage.clear();")
    driver.get(url)


def _names(driver: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "#index tbody tr")
    return [row.find_element(By.CSS_SELECTOR, "td.name").text for row in rows if row.is_displayed()]


def _column(driver: Any, key: str, shown_only: bool = False) -> list[int]:
    """The numbers of an index column, row by row."""
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, "#index tbody tr")
    return [int(row.find_element(By.CSS_SELECTOR, f"td.{key}").get_attribute("data-v"))
            for row in rows if row.is_displayed() or not shown_only]


def _total(driver: Any, key: str) -> int:
    from selenium.webdriver.common.by import By

    return int(driver.find_element(By.CSS_SELECTOR, f"tfoot tr.total td.{key}").text)


def _errors(driver: Any) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_index_sorts_and_filters(browser: Any, report: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, (report / "index.html").as_uri())
    assert browser.title.startswith("Browser test: ")
    assert _names(browser) == ["empty.py", "helper.py", "main.py", "prog.py", "unused.py"]

    def click(key: str) -> None:
        browser.find_element(By.CSS_SELECTOR, f'th[data-key="{key}"] button').click()

    def sort_state(key: str) -> str | None:
        return browser.find_element(By.CSS_SELECTOR, f'th[data-key="{key}"]').get_attribute("aria-sort")

    click("cover")  # the largest first
    assert sort_state("cover") == "descending"
    assert _names(browser)[-2:] == ["prog.py", "unused.py"]
    click("cover")
    assert sort_state("cover") == "ascending"
    assert _names(browser)[:2] == ["unused.py", "prog.py"]
    assert sort_state("file") is None
    click("miss")
    assert _names(browser)[:2] == ["prog.py", "unused.py"]
    click("file")
    assert _names(browser) == ["empty.py", "helper.py", "main.py", "prog.py", "unused.py"]

    search = browser.find_element(By.ID, "filter")
    search.send_keys("e")
    assert _names(browser) == ["empty.py", "helper.py", "unused.py"]
    search.clear()
    search.send_keys("miss>0")
    assert _names(browser) == ["prog.py", "unused.py"]
    # The Total row keeps the report's totals; a labelled row totals the rows shown.
    assert _total(browser, "stmts") == sum(_column(browser, "stmts"))
    filtered_stmts = browser.find_element(By.CSS_SELECTOR, "tfoot tr.filtered td.stmts").text
    assert int(filtered_stmts) == sum(_column(browser, "stmts", shown_only=True))
    assert browser.find_element(By.CSS_SELECTOR, "tfoot tr.filtered th").text == "Filtered total (2 of 5 files)"
    search.send_keys(" cover<50")
    assert _names(browser) == ["unused.py"]
    assert browser.find_element(By.CSS_SELECTOR, "tfoot tr.filtered td.cover").text == "0%"
    assert browser.find_element(By.CSS_SELECTOR, "tfoot tr.total td.cover").text != "0%"
    search.clear()
    search.send_keys("nothing-like-this")
    assert _names(browser) == []
    assert browser.find_element(By.ID, "no-rows").is_displayed()
    search.clear()
    search.send_keys("")
    browser.find_element(By.ID, "hide-covered").click()
    assert _names(browser) == ["prog.py", "unused.py"]
    browser.find_element(By.ID, "hide-covered").click()
    OUT_DIR.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(OUT_DIR / "html-index.png"))
    assert _errors(browser) == []


def test_file_page_shows_missed_lines_and_partial_branches(browser: Any, report: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, (report / "index.html").as_uri())
    browser.find_element(By.LINK_TEXT, "prog.py").click()
    assert browser.title.startswith("Coverage for prog.py: ")
    assert browser.current_url.endswith(page_name("prog.py"))

    missed = [line for line in browser.find_elements(By.CSS_SELECTOR, "#source .line.mis") if line.is_displayed()]
    assert [line.get_attribute("id") for line in missed] == ["t5", "t19", "t20"]
    assert all(line.find_element(By.CSS_SELECTOR, ".mark").text == "✗" for line in missed)
    sentences = [el.text for el in browser.find_elements(By.CSS_SELECTOR, "#source .line.par .why") if el.is_displayed()]
    assert "line 4 didn't jump to line 5 because the condition on line 4 was never true" in sentences
    assert len(sentences) == 3

    # Keyboard: j and k move between missed regions (partial lines count).
    body = browser.find_element(By.TAG_NAME, "body")
    position = browser.find_element(By.CSS_SELECTOR, ".position")
    body.send_keys("j")
    first = position.text
    assert first.startswith("Missed region ")
    current = browser.find_elements(By.CSS_SELECTOR, ".line.current")
    assert current and current[0].get_attribute("id") == "t4"
    body.send_keys("j")
    assert position.text != first
    body.send_keys("k")
    assert position.text == first
    # Highlight toggles: missing lines lose their colour, not their mark.
    toggle = browser.find_element(By.CSS_SELECTOR, ".toggle.mis")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    assert "show-mis" not in browser.find_element(By.ID, "source").get_attribute("class")
    toggle.click()
    browser.find_element(By.CSS_SELECTOR, "#t19").location_once_scrolled_into_view  # noqa: B018
    OUT_DIR.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(OUT_DIR / "html-file-page.png"))
    # "]" goes to the next file.
    body.send_keys("]")
    assert browser.title.startswith("Coverage for unused.py: ")
    assert _errors(browser) == []


def test_function_index_links_into_the_file(browser: Any, report: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, (report / "function_index.html").as_uri())
    browser.find_element(By.ID, "filter").send_keys("never")
    assert _names(browser) == ["prog.py"]
    browser.find_element(By.LINK_TEXT, "Shape.never").click()
    assert browser.current_url.endswith(f"{page_name('prog.py')}#t18")
    assert browser.find_element(By.ID, "t18").is_displayed()
    browser.find_element(By.LINK_TEXT, "index").click()
    browser.find_element(By.LINK_TEXT, "Classes").click()
    assert "Shape" in [el.text for el in browser.find_elements(By.CSS_SELECTOR, "td.region")]
    assert _errors(browser) == []


@pytest.fixture(scope="module")
def skipped_report(report: Path) -> tuple[Path, dict[str, Any]]:
    """The same data as an HTML report with skip_covered, and the JSON report's totals."""
    folder = report.parent
    proc = run_covcore(["html", "--skip-covered", "-d", "htmlcov-skip"], folder)
    assert proc.returncode == 0, proc.stderr
    assert run_covcore(["json", "-o", "totals.json"], folder).returncode == 0
    return folder / "htmlcov-skip", json.loads((folder / "totals.json").read_text())["totals"]


def test_index_shows_the_true_totals_with_skip_covered(browser: Any, skipped_report: tuple[Path, dict[str, Any]]) -> None:
    from selenium.webdriver.common.by import By

    html, totals = skipped_report
    for page in ("index.html", "function_index.html", "class_index.html"):
        _open(browser, (html / page).as_uri())
        # Fully covered files are not listed, but they are counted.
        assert _total(browser, "stmts") == totals["num_statements"] > sum(_column(browser, "stmts"))
        assert _total(browser, "branch") == totals["num_branches"]
        assert _total(browser, "miss") == totals["missing_lines"]
        cover = browser.find_element(By.CSS_SELECTOR, "tfoot tr.total td.cover").text
        assert cover == f"{totals['percent_covered_display']}%"
        assert not browser.find_element(By.CSS_SELECTOR, "tfoot tr.filtered").is_displayed()
    _open(browser, (html / "index.html").as_uri())
    assert _names(browser) == ["prog.py", "unused.py"]
    browser.find_element(By.ID, "filter").send_keys("prog")
    assert _total(browser, "stmts") == totals["num_statements"]
    filtered = browser.find_element(By.CSS_SELECTOR, "tfoot tr.filtered")
    assert filtered.find_element(By.CSS_SELECTOR, "th").text == "Filtered total (1 of 2 files)"
    assert int(filtered.find_element(By.CSS_SELECTOR, "td.stmts").text) == sum(_column(browser, "stmts", True))
    # A filter saved from an earlier visit comes back, labelled, the total untouched.
    browser.refresh()
    assert browser.find_element(By.ID, "filter").get_attribute("value") == "prog"
    assert browser.find_element(By.CSS_SELECTOR, "tfoot tr.filtered").is_displayed()
    assert _total(browser, "stmts") == totals["num_statements"]
    assert _errors(browser) == []


def test_index_groups_statements_and_branches(browser: Any, report: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, (report / "index.html").as_uri())
    groups = browser.find_elements(By.CSS_SELECTOR, "#index thead tr.groups th")
    assert [(g.text, g.get_attribute("colspan")) for g in groups] == [
        ("Statements", "4"), ("Branches", "3"), ("Total", "1")]
    heads = browser.find_elements(By.CSS_SELECTOR, "#index thead tr.columns th")
    assert [h.get_attribute("textContent") for h in heads] == [
        "File", "statements", "missing", "excluded", "coverage of statements", "branches", "partial",
        "coverage of branches", "coverage in total"]
    # The groups' own percentages sort and filter like the other columns.
    browser.find_element(By.CSS_SELECTOR, 'th[data-key="bcover"] button').click()
    assert browser.find_element(By.CSS_SELECTOR, 'th[data-key="bcover"]').get_attribute("aria-sort") == "descending"
    browser.find_element(By.ID, "filter").send_keys("bcover<100")
    assert _names(browser) == ["prog.py"]
    # The head stays on screen when the page scrolls.
    thead = browser.find_element(By.CSS_SELECTOR, "#index thead")
    assert thead.value_of_css_property("position") == "sticky"
    assert _errors(browser) == []


def test_file_page_header_stays_and_toggles_look_plain(browser: Any, report: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, (report / page_name("prog.py")).as_uri())
    run = browser.find_element(By.CSS_SELECTOR, ".toggle.run")
    assert run.get_attribute("aria-pressed") == "false"
    # Off is an ordinary button, not struck through; on is pressed in, in the highlight's colour.
    assert run.value_of_css_property("text-decoration-line") == "none"
    missing = browser.find_element(By.CSS_SELECTOR, ".toggle.mis")
    assert missing.get_attribute("aria-pressed") == "true"
    off_background = run.value_of_css_property("background-color")
    run.click()
    assert run.get_attribute("aria-pressed") == "true"
    assert run.value_of_css_property("text-decoration-line") == "none"
    assert run.value_of_css_property("background-color") != off_background
    run.click()
    # The header stays on screen as the source scrolls.
    header = browser.find_element(By.TAG_NAME, "header")
    assert header.value_of_css_property("position") == "sticky"
    # (A short file: room below it, so that the page can scroll.)
    browser.execute_script("document.getElementById('main').style.paddingBottom = '3000px';")
    browser.execute_script("window.scrollTo({top: document.body.scrollHeight, behavior: 'instant'});")
    assert browser.execute_script("return window.scrollY;") > 0
    assert browser.execute_script("return arguments[0].getBoundingClientRect().top;", header) == 0
    assert missing.is_displayed()
    # The table of contents names each kind in full, and is not part of the sticky header.
    kinds = {el.get_attribute("textContent") for el in browser.find_elements(By.CSS_SELECTOR, ".toc .kind")}
    assert kinds == {"function", "class"}
    assert browser.find_elements(By.CSS_SELECTOR, "header .toc") == []
    assert _errors(browser) == []

"""Reporting commands combine the run's parallel data files first, as coverage.py's do.

A project configured for coverage.py with ``[tool.coverage.run] parallel =
true`` is measured by ``covcore run -m pytest``; ``covcore report`` (json,
xml, lcov, html, export, ``report --diff``) then reports on every process's
data with no ``covcore combine``, and the totals are coverage.py's.  A
parallel file that can't be combined is kept and named; the run metadata
(``meta.core`` of the JSON report) survives the combine.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable

import pytest

from covcore.combine import combine_parallel_data
from covcore.data import CoverageData

from conftest import run_covcore

PYPROJECT = """\
[tool.coverage.run]
parallel = true
branch = true
source = ["shapes"]

[tool.coverage.report]
show_missing = true
"""

SHAPES = """\
def area(kind, size):
    if kind == "square":
        return size * size
    elif kind == "circle":
        return 3 * size * size
    raise ValueError(kind)


def describe(kind):
    names = {"square": "four sides"}
    for key in names:
        if key == kind:
            return names[key]
    return "unknown"


def unused(x):
    if x:
        return 1
    return 0
"""

TEST_AREA = """\
from shapes import area

def test_square():
    assert area("square", 2) == 4
"""

TEST_DESCRIBE = """\
from shapes import describe

def test_describe():
    assert describe("square") == "four sides"
    assert describe("hexagon") == "unknown"
"""

PYTEST = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]


def _project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(PYPROJECT)
    (folder / "shapes").mkdir()
    (folder / "shapes" / "__init__.py").write_text(SHAPES)
    (folder / "tests").mkdir()
    (folder / "tests" / "test_area.py").write_text(TEST_AREA)
    (folder / "tests" / "test_describe.py").write_text(TEST_DESCRIBE)
    return folder


def _coverage_py(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coverage", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _parallel_files(folder: Path, name: str = ".covcore") -> list[Path]:
    return sorted(folder.glob(f"{name}.*"))


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The project measured by covcore, one pytest run per test file, and a
    folder keeping a copy of the parallel files the runs wrote."""
    base = tmp_path_factory.mktemp("combine")
    folder = _project(base / "project")
    for test in ("tests/test_area.py", "tests/test_describe.py"):
        result = run_covcore(["run", *PYTEST, test], folder)
        assert result.returncode == 0, result.stdout + result.stderr
    assert len(_parallel_files(folder)) == 2
    assert not (folder / ".covcore").exists()
    saved = base / "saved"
    saved.mkdir()
    for path in _parallel_files(folder):
        shutil.move(path, saved / path.name)
    return folder, saved


@pytest.fixture
def project(measured: tuple[Path, Path]) -> Path:
    """The measured project as the runs left it: parallel files, nothing combined.

    The data names the project's files by their absolute paths, so the
    tests share the one folder (one test at a time), reset for each.
    """
    folder, saved = measured
    for path in folder.iterdir():
        if path.name not in ("pyproject.toml", "shapes", "tests"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    (folder / "shapes" / "__init__.py").write_text(SHAPES)
    for path in saved.iterdir():
        shutil.copy2(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same project measured and reported by coverage.py, with no explicit combine."""
    folder = _project(tmp_path_factory.mktemp("combine-oracle") / "project")
    for test in ("tests/test_area.py", "tests/test_describe.py"):
        result = _coverage_py(["run", *PYTEST, test], folder)
        assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(folder.glob(".coverage.*"))) == 2
    for command in (["report"], ["json"], ["xml"], ["lcov"]):
        result = _coverage_py(command, folder)
        assert result.returncode == 0, result.stderr
        if command == ["report"]:
            (folder / "report.txt").write_text(result.stdout)
    return folder


def _text_total(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("TOTAL"))


def _xml_totals(path: Path) -> dict[str, str]:
    root = ET.parse(path).getroot()
    keys = ("lines-valid", "lines-covered", "line-rate", "branches-valid", "branches-covered", "branch-rate")
    return {key: root.attrib[key] for key in keys}


def _lcov_totals(path: Path) -> dict[str, int]:
    sums = {"LF": 0, "LH": 0, "BRF": 0, "BRH": 0}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        if key in sums:
            sums[key] += int(value)
    return sums


_JSON_TOTALS = ("covered_lines", "num_statements", "missing_lines", "excluded_lines", "num_branches",
                "covered_branches", "missing_branches", "num_partial_branches", "percent_covered")


def test_every_report_has_coverage_py_totals_without_combine(project: Path, oracle: Path) -> None:
    result = run_covcore(["report"], project)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "Combined 2 parallel data files into .covcore\n"
    assert _text_total(result.stdout) == _text_total((oracle / "report.txt").read_text())
    assert not _parallel_files(project)
    assert run_covcore(["json"], project).returncode == 0
    assert run_covcore(["xml"], project).returncode == 0
    assert run_covcore(["lcov"], project).returncode == 0
    ours = json.loads((project / "coverage.json").read_text())["totals"]
    theirs = json.loads((oracle / "coverage.json").read_text())["totals"]
    assert {k: ours[k] for k in _JSON_TOTALS} == {k: theirs[k] for k in _JSON_TOTALS}
    assert _xml_totals(project / "coverage.xml") == _xml_totals(oracle / "coverage.xml")
    assert _lcov_totals(project / "coverage.lcov") == _lcov_totals(oracle / "coverage.lcov")


@pytest.mark.parametrize("command", [
    ["report"], ["json", "-o", "-"], ["xml", "-o", "out.xml"], ["lcov", "-o", "out.lcov"], ["html"],
    ["export", "-o", "exported"],
])
def test_each_reporting_command_combines_first(project: Path, command: list[str]) -> None:
    result = run_covcore(command, project)
    assert result.returncode == 0, result.stderr
    assert "Combined 2 parallel data files into .covcore" in result.stderr.splitlines()
    assert not _parallel_files(project)
    data = CoverageData(str(project / ".covcore"))
    data.read()
    assert [Path(p).name for p in data.measured_files()] == ["__init__.py"]
    if command[0] == "json":
        assert json.loads(result.stdout)["totals"]["covered_lines"] > 0
    # A second report has nothing left to combine, and says nothing of it.
    again = run_covcore(command, project)
    assert again.returncode == 0, again.stderr
    assert "Combined" not in again.stderr


def test_report_diff_combines_first(project: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                       cwd=project, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    source = project / "shapes" / "__init__.py"
    source.write_text(SHAPES.split("\n\n\ndef unused")[0] + "\n")
    git("add", "shapes")
    git("commit", "-q", "-m", "base")
    source.write_text(SHAPES)
    result = run_covcore(["report", "--diff", "main"], project)
    assert result.returncode == 0, result.stderr
    assert "Combined 2 parallel data files into .covcore" in result.stderr
    assert re.search(r"^TOTAL\s+4\s+3\s+2\s+0\s+", result.stdout, re.M), result.stdout


def test_quiet_and_keep_combined(project: Path) -> None:
    result = run_covcore(["xml", "-q", "--keep-combined"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == result.stderr == ""
    assert len(_parallel_files(project)) == 2
    assert (project / "coverage.xml").exists()
    result = run_covcore(["json", "-q"], project)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert not _parallel_files(project) and (project / "coverage.json").exists()
    assert run_covcore(["erase"], project).returncode == 0
    for path in (project.parent / "saved").iterdir():
        shutil.copy2(path, project / path.name)
    result = run_covcore(["combine", "-q"], project)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (project / ".covcore").exists() and not _parallel_files(project)


def test_a_corrupt_parallel_file_is_kept_and_named(project: Path) -> None:
    bad = project / ".covcore.otherhost.99.Xbroken"
    bad.write_text("not a data file\n")
    result = run_covcore(["report"], project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"covcore: warning: Couldn't read data from '{bad}': file is not a database "
        "(the file was kept, not combined)",
        "Combined 2 parallel data files into .covcore",
    ]
    assert bad.read_text() == "not a data file\n"
    assert _parallel_files(project) == [bad]
    assert "TOTAL" in result.stdout


def test_a_parallel_file_of_lines_is_kept_beside_arc_data(project: Path) -> None:
    # Files combine in name order; the first one decides lines or arcs (this one comes last).
    lines = CoverageData(str(project / ".covcore.zz-stale.1.Xlines"))
    lines.add_lines({str(project / "shapes" / "__init__.py"): [1, 2]})
    lines.write()
    result = run_covcore(["json"], project)
    assert result.returncode == 0, result.stderr
    warning = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1
    assert ".covcore.zz-stale.1.Xlines" in warning[0] and "(the file was kept, not combined)" in warning[0]
    assert _parallel_files(project) == [project / ".covcore.zz-stale.1.Xlines"]


def test_no_parallel_files_no_message(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", "x = 1\n")
    assert run_covcore(["run", "prog.py"], tmp_path).returncode == 0
    result = run_covcore(["report"], tmp_path)
    assert result.returncode == 0
    assert result.stderr == ""
    assert run_covcore(["report", "--data-file", "no/such/dir/.covcore"], tmp_path).returncode == 1


def test_the_data_files_own_data_is_kept(project: Path) -> None:
    first = _parallel_files(project)[0]
    assert run_covcore(["combine", str(first)], project).returncode == 0
    result = run_covcore(["json", "-o", "-"], project)
    assert "Combined 1 parallel data file into .covcore" in result.stderr
    report = json.loads(result.stdout)
    # Both test files' lines: the combined one from before, the parallel one now.
    assert report["files"]["shapes/__init__.py"]["executed_lines"] == [1, 2, 3, 9, 10, 11, 12, 13, 14, 17]


# -- The run's metadata survives combining -----------------------------------


def _json_meta(folder: Path) -> dict[str, Any]:
    result = run_covcore(["json", "-o", "-"], folder)
    assert result.returncode == 0, result.stderr
    meta: dict[str, Any] = json.loads(result.stdout)["meta"]
    return meta


def test_meta_core_survives_combine(core: str, tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", "import sys\nif len(sys.argv) > 1:\n    x = 1\n")
    for args in (["prog.py"], ["prog.py", "a"]):
        assert run_covcore(["run", "--core", core, "-p", *args], tmp_path).returncode == 0
    # The report-time combine...
    assert _json_meta(tmp_path)["core"] == core
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.meta()["core"] == core
    assert set(data.meta()) == {"core", "version", "run"}
    # ... and covcore combine, replacing the data file.
    (tmp_path / ".covcore").unlink()
    for args in (["prog.py"], ["prog.py", "a"]):
        assert run_covcore(["run", "--core", core, "-p", *args], tmp_path).returncode == 0
    assert run_covcore(["combine"], tmp_path).returncode == 0
    assert _json_meta(tmp_path)["core"] == core


def test_combined_meta_lists_every_core_and_keeps_its_run(tmp_path: Path) -> None:
    def part(name: str, core: str, run: str) -> None:
        data = CoverageData(str(tmp_path / name))
        data.add_lines({"/src/a.py": [1]})
        data.set_meta("core", core)
        data.set_meta("run", run)
        data.set_meta("version", "0.1.0")
        data.write()

    part(".covcore", "ctrace", "main-run")
    part(".covcore.a", "sysmon", "other-run")
    part(".covcore.b", "ctrace", "third-run")
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    combine_parallel_data(data)
    back = CoverageData(str(tmp_path / ".covcore"))
    back.read()
    assert back.meta() == {"core": "ctrace, sysmon", "run": "main-run", "version": "0.1.0"}
    # A data file without metadata of its own takes the first combined file's run (in name order).
    part(".covcore.c", "pytrace", "late-run")
    fresh = CoverageData(str(tmp_path / "fresh" / ".covcore"))
    (tmp_path / "fresh").mkdir()
    combine_parallel_data(fresh, [str(tmp_path / ".covcore.c"), str(tmp_path / ".covcore")])
    assert fresh.meta() == {"core": "ctrace, pytrace, sysmon", "run": "main-run", "version": "0.1.0"}

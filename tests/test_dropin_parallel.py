"""A project configured for coverage.py the way attrs and filelock are:
``parallel = true`` and the covdefaults plug-in in pyproject.toml, its
tests run under pytest, one of them in a subprocess (``patch =
["subprocess"]``: two parallel data files).  ``covcore run -m pytest`` then
the reporting commands, with no explicit combine, give what coverage.py
gives (7.18 on 3.11+, 7.16.2 on 3.10: the test extras' pin), on every core.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import run_covcore

PROJECT = {
    "pyproject.toml": """\
        [tool.coverage.run]
        parallel = true
        plugins = ["covdefaults"]
        source = ["src"]
        patch = ["subprocess"]

        [tool.coverage.report]
        fail_under = 50
        """,
    "src/shapes/__init__.py": "",
    "src/shapes/area.py": """\
        import math


        def area(kind, size):
            if kind == "square":
                return size * size
            elif kind == "circle":
                return math.pi * size * size
            raise NotImplementedError(kind)


        def describe(kind, size):
            value = area(kind, size)
            if value > 100:
                return "big"
            return "small"


        if __name__ == "__main__":
            print(describe("square", 3))
        """,
    "src/shapes/unused.py": """\
        def never():
            return 1
        """,
    "tests/test_area.py": """\
        import subprocess
        import sys

        from shapes.area import area, describe


        def test_square():
            assert area("square", 2) == 4


        def test_describe():
            assert describe("square", 20) == "big"


        def test_in_a_subprocess():
            code = "from shapes.area import describe; print(describe('circle', 1))"
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            assert out.stdout == "small\\n"
        """,
}


def _project(root: Path) -> Path:
    for name, text in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _run(args: list[str], cwd: Path, core: str = "") -> subprocess.CompletedProcess[str]:
    env = {**_environ(), "PYTHONPATH": str(cwd / "src")}
    if core:
        env["COVCORE_CORE"] = core
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def _environ() -> dict[str, str]:
    import os

    env = dict(os.environ)
    for name in ("COVCORE_CORE", "COVERAGE_CORE", "COVERAGE_PROCESS_START", "COVCORE_PROCESS"):
        env.pop(name, None)
    return env


def _reports(tool: str, cwd: Path, core: str = "") -> dict[str, object]:
    """The text, JSON, XML and LCOV reports' totals, after one test run, with no combine."""
    prefix = ["-m", tool]
    run = _run([*prefix, "run", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd, core)
    assert run.returncode == 0, run.stdout + run.stderr
    parallel = list(cwd.glob(f".{'coverage' if tool == 'coverage' else 'covcore'}.*"))
    assert len(parallel) == 2, f"one data file for pytest's process, one for its subprocess: {parallel}"
    text = _run([*prefix, "report"], cwd)
    json_run = _run([*prefix, "json", "-o", "out.json"], cwd)
    xml_run = _run([*prefix, "xml", "-o", "out.xml"], cwd)
    lcov_run = _run([*prefix, "lcov", "-o", "out.lcov"], cwd)
    for result in (json_run, xml_run, lcov_run):
        assert result.returncode in (0, 2), result.stderr
    report = json.loads((cwd / "out.json").read_text())
    totals = report["totals"]
    root = ET.parse(cwd / "out.xml").getroot()
    lcov = (cwd / "out.lcov").read_text()
    sums = {key: sum(int(n) for n in re.findall(rf"^{key}:(\d+)$", lcov, re.M)) for key in ("LF", "LH", "BRF", "BRH")}
    return {
        "report": text.stdout, "status": text.returncode, "core": report["meta"].get("core"),
        "json": {k: totals[k] for k in ("covered_lines", "num_statements", "missing_lines", "excluded_lines",
                                       "num_branches", "covered_branches", "percent_covered_display")},
        "xml": {k: root.get(k) for k in ("lines-valid", "lines-covered", "branches-valid", "branches-covered")},
        "lcov": sums,
    }


def test_parallel_covdefaults_project_reports_like_coverage_py(tmp_path: Path, core: str) -> None:
    ours = _reports("covcore", _project(tmp_path / "covcore"), core)
    theirs = _reports("coverage", _project(tmp_path / "coverage"))
    assert ours["core"] == core
    assert ours["report"] == theirs["report"]
    assert ours["status"] == theirs["status"]
    assert ours["json"] == theirs["json"]
    assert ours["xml"] == theirs["xml"]
    assert ours["lcov"] == theirs["lcov"]
    # covdefaults' settings (show_missing, skip_covered) and the subprocess's
    # data (area.py's circle lines: covered, so skipped) are all in it.
    assert "Missing" in str(ours["report"]) and "unused.py" in str(ours["report"])
    assert "area.py" not in str(ours["report"]) and "2 files skipped due to complete coverage." in str(ours["report"])


def test_the_reporting_command_says_what_it_combined(tmp_path: Path, core: str) -> None:
    cwd = _project(tmp_path)
    assert _run(["-m", "covcore", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd,
                core).returncode == 0
    result = run_covcore(["report"], cwd)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "Combined 2 parallel data files into .covcore\n"
    assert [p.name for p in cwd.glob(".covcore*")] == [".covcore"]

"""The pytest plugin: ``pytest --covcore=PKG``, with and without pytest-xdist.

Every test runs pytest in a subprocess, with the plugin found through the
``pytest11`` entry points that pyproject.toml declares (a small dist-info
directory on the path holds them, so the test works from the source tree
as well as from an install).  The reports are compared with
``coverage run -m pytest`` on the same suite.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from covcore.data import CoverageData

from proc_helpers import pytest11_entry_points

import xdist  # noqa: F401,E402 - a test requirement: missing, collection fails

SUITE = {
    "pkg/__init__.py": "VERSION = 1\n",
    "pkg/calc.py": """\
        def add(a, b):
            return a + b

        def sign(x):
            if x > 0:
                return 1
            elif x < 0:
                return -1
            return 0

        def setup_helper():
            return "ready"

        def teardown_helper():
            return "done"

        def unused():
            return "never"
    """,
    "tests/conftest.py": """\
        import pytest
        import pkg.calc

        @pytest.fixture
        def ready():
            pkg.calc.setup_helper()
            yield
            pkg.calc.teardown_helper()
    """,
    "tests/test_calc.py": """\
        from pkg.calc import add, sign

        def test_add(ready):
            assert add(1, 2) == 3

        def test_sign_pos():
            assert sign(5) == 1

        def test_sign_neg():
            assert sign(-5) == -1

        class TestMore:
            def test_zero(self):
                assert add(0, 0) == 0
    """,
}


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    for name, text in SUITE.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return project


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("COVCORE_CORE", "COVCORE_FILE", "COVCORE_PROCESS", "PYTEST_XDIST_WORKER",
                 "PYTEST_XDIST_TESTRUNUID", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    parts = [str(pytest11_entry_points(tmp_path))] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


def _pytest(project: Path, args: list[str], core: str = "", **more_env: str) -> subprocess.CompletedProcess[str]:
    env = _env(project.parent)
    if core:
        env["COVCORE_CORE"] = core
    env.update(more_env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )


def _table(text: str) -> list[str]:
    """The report table (header to TOTAL) in some output."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Name "))
    end = next(i for i, line in enumerate(lines) if line.startswith("TOTAL"))
    return lines[start:end + 1]


_PER_FILE = ("executed_lines", "missing_lines", "excluded_lines", "executed_branches", "missing_branches")


def _per_file(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What a JSON report says was measured, file by file (the measured lines and arcs)."""
    return {name: {key: entry.get(key) for key in _PER_FILE} for name, entry in report["files"].items()}


@pytest.mark.parametrize("xdist", [False, True], ids=["plain", "xdist"])
@pytest.mark.parametrize("branch", [False, True], ids=["lines", "arcs"])
def test_report_equals_coverage_run_pytest(suite: Path, xdist: bool, branch: bool) -> None:
    args = ["--covcore=pkg", "--covcore-report=term-missing", "--covcore-report=json:ours.json"]
    args += ["--covcore-branch"] if branch else []
    args += ["-n", "2"] if xdist else []
    ours = _pytest(suite, args)
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert "4 passed" in ours.stdout
    theirs_run = subprocess.run(
        [sys.executable, "-m", "coverage", "run", *(["--branch"] if branch else []), "--source=pkg",
         "-m", "pytest", "-p", "no:cacheprovider", "-q", "-p", "no:covcore_measure"],
        cwd=suite, env=_env(suite.parent), capture_output=True, text=True, timeout=300,
    )
    assert theirs_run.returncode == 0, theirs_run.stdout + theirs_run.stderr
    theirs = subprocess.run([sys.executable, "-m", "coverage", "report", "-m"], cwd=suite,
                            capture_output=True, text=True)
    assert _table(ours.stdout) == _table(theirs.stdout)
    subprocess.run([sys.executable, "-m", "coverage", "json", "-o", "theirs.json"], cwd=suite, check=True,
                   capture_output=True)
    ours_json = json.loads((suite / "ours.json").read_text())
    theirs_json = json.loads((suite / "theirs.json").read_text())
    assert _per_file(ours_json) == _per_file(theirs_json)
    assert ours_json["totals"] == theirs_json["totals"]
    # Import-time lines count: pkg/__init__.py and the def lines of pkg.calc ran at collection.
    assert ours_json["files"]["pkg/__init__.py"]["executed_lines"] == [1]
    assert {1, 4, 11, 14, 17} <= set(ours_json["files"]["pkg/calc.py"]["executed_lines"])
    assert list(suite.glob(".covcore.*")) == []


def _pytest_cov_contexts(project: Path, filename: str, xdist: bool) -> dict[int, list[str]]:
    """Line -> contexts of `filename`, measured by pytest-cov with ``--cov-context=test``."""
    import coverage

    # coverage.py's C tracer: its sys.monitoring core records a line in the first context only.
    result = _pytest(project, ["-p", "no:covcore_measure", "--cov=pkg", "--cov-branch", "--cov-context=test",
                               "--cov-report=", *(["-n", "2"] if xdist else [])], COVERAGE_CORE="ctrace")
    assert result.returncode == 0, result.stdout + result.stderr
    data = coverage.CoverageData(str(project / ".coverage"))
    data.read()
    return {line: sorted(names) for line, names in data.contexts_by_lineno(filename).items()}


@pytest.mark.parametrize("xdist", [False, True], ids=["plain", "xdist"])
def test_test_contexts_equal_pytest_cov(suite: Path, xdist: bool, core: str) -> None:
    import pytest_cov  # noqa: F401 - a test requirement: missing, the test fails
    calc = os.path.realpath(suite / "pkg/calc.py")
    theirs = _pytest_cov_contexts(suite, calc, xdist)
    args = ["--covcore=pkg", "--covcore-context=test", "--covcore-branch"] + (["-n", "2"] if xdist else [])
    result = _pytest(suite, args, core)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"core {core} " in result.stdout
    data = CoverageData(str(suite / ".covcore"))
    data.read()
    assert data.contexts_by_lineno(calc) == theirs
    assert theirs[12] == ["tests/test_calc.py::test_add|setup"]


def test_html_report_shows_the_tests_of_each_line(suite: Path) -> None:
    from covcore.report_html import page_name

    (suite / ".coveragerc").write_text("[html]\nshow_contexts = true\n")
    result = _pytest(suite, ["--covcore=pkg", "--covcore-context=test", "--covcore-report=html", "-n", "2"])
    assert result.returncode == 0, result.stdout + result.stderr
    page = (suite / "htmlcov" / page_name("pkg/calc.py")).read_text(encoding="utf-8")
    lines = {int(m[1]): m[2] for m in re.finditer(r'<div class="[^"]*" id="t(\d+)">(.*?)</div>\n', page)}
    assert "<summary>2 contexts</summary><ul><li>tests/test_calc.py::test_sign_neg|run</li>" \
        "<li>tests/test_calc.py::test_sign_pos|run</li></ul>" in lines[5]
    assert "<li>tests/test_calc.py::test_add|teardown</li>" in lines[15]
    assert "<li>(empty)</li>" in lines[1]           # the def ran at import, before any test
    assert "<details" not in lines[18]               # never ran


@pytest.mark.parametrize("xdist", [False, True], ids=["plain", "xdist"])
def test_test_contexts_name_the_tests(suite: Path, xdist: bool) -> None:
    args = ["--covcore=pkg", "--covcore-context=test", "--covcore-branch"] + (["-n", "2"] if xdist else [])
    result = _pytest(suite, args)
    assert result.returncode == 0, result.stdout + result.stderr
    data = CoverageData(str(suite / ".covcore"))
    data.read()
    by_line = data.contexts_by_lineno(os.path.realpath(suite / "pkg/calc.py"))
    t = "tests/test_calc.py::"
    assert by_line[2] == [f"{t}TestMore::test_zero|run", f"{t}test_add|run"]
    assert by_line[5] == [f"{t}test_sign_neg|run", f"{t}test_sign_pos|run"]
    assert by_line[6] == [f"{t}test_sign_pos|run"]
    assert by_line[7] == by_line[8] == [f"{t}test_sign_neg|run"]
    assert by_line[12] == [f"{t}test_add|setup"]
    assert by_line[15] == [f"{t}test_add|teardown"]
    assert 18 not in by_line
    assert by_line[1] == [""]       # the def ran at import, before any test


def test_a_pytest_started_inside_an_xdist_worker_is_a_session_of_its_own(suite: Path) -> None:
    env = _env(suite.parent)
    env.update(PYTEST_XDIST_WORKER="gw0", PYTEST_XDIST_TESTRUNUID="abc")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--covcore=pkg"],
        cwd=suite, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "TOTAL" in result.stdout
    assert (suite / ".covcore").exists() and list(suite.glob(".covcore.*")) == []


def test_covcore_without_a_package_measures_the_directory(suite: Path) -> None:
    result = _pytest(suite, ["--covcore", "--covcore-report=term"])
    assert result.returncode == 0
    names = [line.split()[0] for line in _table(result.stdout)[2:-2]]
    assert "pkg/calc.py" in names and "tests/test_calc.py" in names


def test_no_covcore_turns_it_off(suite: Path) -> None:
    result = _pytest(suite, ["--covcore=pkg", "--no-covcore"])
    assert result.returncode == 0
    assert "covcore" not in result.stdout
    assert not (suite / ".covcore").exists()


def test_without_the_option_nothing_happens(suite: Path) -> None:
    result = _pytest(suite, [])
    assert result.returncode == 0
    assert not (suite / ".covcore").exists()


def test_fail_under(suite: Path) -> None:
    failing = _pytest(suite, ["--covcore=pkg", "--covcore-fail-under=99"])
    assert failing.returncode == 1
    assert re.search(r"FAIL Required test coverage of 99% not reached\. Total coverage: \d+%", failing.stdout)
    passing = _pytest(suite, ["--covcore=pkg", "--covcore-fail-under=50"])
    assert passing.returncode == 0
    assert "Required test coverage of 50% reached." in passing.stdout


def test_fail_under_from_the_config(suite: Path) -> None:
    (suite / "pyproject.toml").write_text("[tool.coverage.report]\nfail_under = 99\n")
    assert _pytest(suite, ["--covcore=pkg"]).returncode == 1


def test_file_reports(suite: Path) -> None:
    result = _pytest(suite, [
        "--covcore=pkg", "--covcore-report=html:out/html", "--covcore-report=xml:out/cov.xml",
        "--covcore-report=json:out/cov.json", "--covcore-report=lcov", "-n", "2",
    ])
    assert result.returncode == 0, result.stdout + result.stderr
    assert (suite / "out/html/index.html").exists()
    assert (suite / "out/cov.xml").exists() and (suite / "out/cov.json").exists()
    assert (suite / "coverage.lcov").exists()
    assert "Coverage HTML written to out/html/index.html" in result.stdout
    assert "Name " not in result.stdout       # no terminal table when not asked


def test_no_report(suite: Path) -> None:
    result = _pytest(suite, ["--covcore=pkg", "--covcore-report="])
    assert result.returncode == 0
    assert "Name " not in result.stdout
    assert (suite / ".covcore").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--covcore-report=pdf"], "--covcore-report=pdf: unknown report type 'pdf'"),
        (["--covcore-report=term:loud"], "--covcore-report=term:loud: term takes only ':skip-covered'"),
        (["--covcore-config=nope.toml"], "covcore: Couldn't read config file nope.toml: no such file"),
    ],
)
def test_usage_errors_are_one_line(suite: Path, args: list[str], message: str) -> None:
    result = _pytest(suite, ["--covcore=pkg", *args])
    assert result.returncode == 4
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_is_a_usage_error(suite: Path) -> None:
    (suite / ".coveragerc").write_text("[run]\nbranch = often\n")
    result = _pytest(suite, ["--covcore=pkg"])
    assert result.returncode == 4
    assert "covcore: .coveragerc: [run] branch: 'often' is not a boolean" in result.stderr


def test_coverage_py_settings_apply(suite: Path) -> None:
    (suite / "pyproject.toml").write_text(
        '[tool.coverage.report]\nexclude_also = ["def unused"]\nshow_missing = true\n'
    )
    result = _pytest(suite, ["--covcore=pkg"])
    row = [line for line in _table(result.stdout) if line.startswith("pkg/calc.py")][0]
    assert row.split()[1:3] == ["12", "1"]     # 14 statements, "def unused" excluded


_UNDER_COVCORE_RUN = [([], ""), (["-n", "2"], ""), (["-n", "2"], "[run]\nsubprocess = true\n")]


@pytest.mark.parametrize("args, config", _UNDER_COVCORE_RUN, ids=["plain", "xdist", "xdist-subprocess"])
def test_contexts_under_covcore_run(suite: Path, args: list[str], config: str) -> None:
    (suite / ".covcorerc").write_text(config)
    env = _env(suite.parent)
    result = subprocess.run(
        [sys.executable, "-m", "covcore", "run", "--source=pkg", "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--covcore-context=test", *args],
        cwd=suite, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = CoverageData(str(suite / ".covcore"))
    data.read()
    by_line = data.contexts_by_lineno(os.path.realpath(suite / "pkg/calc.py"))
    assert by_line[6] == ["tests/test_calc.py::test_sign_pos|run"]
    assert by_line[15] == ["tests/test_calc.py::test_add|teardown"]
    assert "covcore: warning" not in result.stdout + result.stderr
    assert list(suite.glob(".covcore.*")) == []


@pytest.mark.parametrize("args, config", _UNDER_COVCORE_RUN, ids=["plain", "xdist", "xdist-subprocess"])
def test_covcore_options_under_covcore_run_are_said_to_be_ignored(suite: Path, args: list[str], config: str) -> None:
    (suite / ".covcorerc").write_text(config)
    result = subprocess.run(
        [sys.executable, "-m", "covcore", "run", "--source=pkg", "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--covcore=tests", "--covcore-branch", *args],
        cwd=suite, env=_env(suite.parent), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("covcore: warning: this pytest is measured already (covcore run); --covcore options other than "
            "--covcore-context are ignored") in result.stdout
    data = CoverageData(str(suite / ".covcore"))
    data.read()
    assert not data.has_arcs()
    assert {os.path.basename(name) for name in data.measured_files()} == {"__init__.py", "calc.py"}


def test_ignored_settings_are_named_once(suite: Path) -> None:
    (suite / ".coveragerc").write_text("[run]\ndebug = trace\n")
    result = _pytest(suite, ["--covcore=pkg", "-n", "2"])
    assert result.returncode == 0, result.stdout + result.stderr
    note = "covcore: warning: ignoring settings covcore doesn't support, in .coveragerc: [run] debug"
    assert (result.stdout + result.stderr).count(note) == 1
    assert note in result.stdout


@pytest.mark.parametrize("setting", ["subprocess = true", "patch = subprocess"])
def test_xdist_when_subprocesses_are_measured(suite: Path, setting: str) -> None:
    """The workers, measured from their start as subprocesses, still hand their data back."""
    (suite / ".coveragerc").write_text(f"[run]\n{setting}\n")
    result = _pytest(suite, ["--covcore=pkg", "--covcore-report=term-missing", "-n", "2"])
    assert result.returncode == 0, result.stdout + result.stderr
    row = [line for line in _table(result.stdout) if line.startswith("pkg/calc.py")][0]
    assert row.split()[1:] == ["14", "2", "86%", "9,", "18"]
    assert list(suite.glob(".covcore.*")) == []


def test_append_adds_to_the_last_run(suite: Path) -> None:
    calc = os.path.realpath(suite / "pkg/calc.py")

    def measured() -> list[int]:
        data = CoverageData(str(suite / ".covcore"))
        data.read()
        return sorted(data.lines(calc) or [])

    assert _pytest(suite, ["--covcore=pkg", "-k", "test_sign_pos"]).returncode == 0
    assert 6 in measured() and 7 not in measured()
    assert _pytest(suite, ["--covcore=pkg", "-k", "test_sign_neg", "-n", "2", "--covcore-append"]).returncode == 0
    assert {6, 7, 8} <= set(measured())
    assert _pytest(suite, ["--covcore=pkg", "-k", "test_sign_neg"]).returncode == 0
    assert 6 not in measured()       # without --covcore-append, a run replaces the data

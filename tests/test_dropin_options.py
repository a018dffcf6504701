"""coverage.py options users rely on, with coverage.py's meaning.

``[report] ignore_errors`` (and ``-i``), ``[report] include_namespace_packages``,
``[run] disable_warnings``, and coverage.py 7.18's glob patterns in
``[run] source``.  Each is read from ``.coveragerc``, ``setup.cfg`` and
``pyproject.toml``, and used through the command line and the API; each is
compared with coverage.py run on the same project (the glob patterns where
the oracle has them: 7.18, on 3.11+; 3.10's 7.16.2 has none).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Callable

import coverage
import pytest

from covcore import control
from covcore.control import Coverage
from covcore.data import CoverageData
from covcore.exceptions import NoSource, NotPython
from covcore.files import FileSelector

from conftest import run_covcore

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/mod.py": "def used():\n    return 1\n\ndef unused():\n    return 2\n",
    "pkg/gone.py": "GONE = 1\n",
    "pkg/broken.py": "BROKEN = 1\n",
    # A directory without __init__.py: an implicit namespace package.
    "pkg/ns/deep.py": "def deep():\n    return 3\n",
    "prog.py": "import pkg.mod, pkg.gone, pkg.broken\npkg.mod.used()\n",
}

#: [run] and [report] settings, as (section, option, INI value, TOML value).
OPTIONS = [
    ("run", "source", "pkg", '["pkg"]'),
    ("run", "disable_warnings", "couldnt-parse", '["couldnt-parse"]'),
    ("report", "ignore_errors", "true", "true"),
    ("report", "include_namespace_packages", "true", "true"),
]


def _config(kind: str, options: list[tuple[str, str, str, str]]) -> tuple[str, str]:
    """The file name and text giving `options` in one of coverage.py's config file kinds."""
    sections: dict[str, list[str]] = {}
    for section, name, ini, toml in options:
        sections.setdefault(section, []).append(f"{name} = {toml if kind == 'pyproject.toml' else ini}")
    if kind == "pyproject.toml":
        heads = {s: f"[tool.coverage.{s}]" for s in sections}
    elif kind == "setup.cfg":
        heads = {s: f"[coverage:{s}]" for s in sections}
    else:
        heads = {s: f"[{s}]" for s in sections}
    text = "\n".join(f"{heads[s]}\n" + "\n".join(lines) + "\n" for s, lines in sections.items())
    return kind, text


CONFIG_KINDS = [".coveragerc", "setup.cfg", "pyproject.toml"]


def _coverage_py(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coverage", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _measured_project(root: Path, config: tuple[str, str], tool: str) -> Path:
    """The project measured by `tool`, then gone.py deleted and broken.py no longer Python."""
    for name, text in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / config[0]).write_text(config[1])
    ran = (run_covcore if tool == "covcore" else _coverage_py)(["run", "prog.py"], root)
    assert ran.returncode == 0, ran.stderr
    (root / "pkg" / "gone.py").unlink()
    (root / "pkg" / "broken.py").write_text("def (:\n")
    return root


def _both(tmp_path: Path, options: list[tuple[str, str, str, str]], kind: str) -> tuple[Path, Path]:
    config = _config(kind, options)
    return (_measured_project(tmp_path / "covcore", config, "covcore"),
            _measured_project(tmp_path / "coverage", config, "coverage"))


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("covcore: warning:")]


# -- ignore_errors, include_namespace_packages, disable_warnings: as coverage.py --


@pytest.mark.parametrize("kind", CONFIG_KINDS)
def test_options_mean_what_they_mean_in_coverage_py(tmp_path: Path, kind: str) -> None:
    ours, theirs = _both(tmp_path, OPTIONS, kind)
    report = run_covcore(["report"], ours)
    expected = _coverage_py(["report"], theirs)
    assert (report.returncode, expected.returncode) == (0, 0), report.stderr + expected.stderr
    # Missing and unparsable files left out, the namespace package's file in at 0%, no warning.
    assert report.stdout == expected.stdout
    assert report.stdout.splitlines()[2:5] == [
        "pkg/__init__.py       0      0   100%",
        "pkg/mod.py            4      1    75%",
        "pkg/ns/deep.py        2      2     0%",
    ]
    assert report.stderr == ""
    for command in (["json"], ["xml"], ["lcov"], ["html"]):
        assert run_covcore(command, ours).returncode == 0
        assert _coverage_py(command, theirs).returncode == 0
    ours_json = json.loads((ours / "coverage.json").read_text())
    theirs_json = json.loads((theirs / "coverage.json").read_text())
    assert sorted(ours_json["files"]) == sorted(theirs_json["files"]) == [
        "pkg/__init__.py", "pkg/mod.py", "pkg/ns/deep.py"]
    assert ours_json["totals"]["num_statements"] == theirs_json["totals"]["num_statements"] == 6
    index = (ours / "htmlcov" / "index.html").read_text()
    assert "mod.py" in index and "deep.py" in index and "gone.py" not in index


@pytest.mark.parametrize("kind", CONFIG_KINDS)
def test_without_the_options(tmp_path: Path, kind: str) -> None:
    source_only = OPTIONS[:1]
    ours, theirs = _both(tmp_path, source_only, kind)
    # No ignore_errors: a file that can't be parsed is an error, as in coverage.py.
    report = run_covcore(["report"], ours)
    assert (report.returncode, _coverage_py(["report"], theirs).returncode) == (1, 1)
    assert report.stderr == f"covcore: Couldn't parse '{ours / 'pkg' / 'broken.py'}' as Python source: " \
                            "'invalid syntax' at line 1\n"
    # -i on the command line; the namespace package is not looked into.
    report = run_covcore(["report", "-i"], ours)
    expected = _coverage_py(["report", "-i"], theirs)
    assert report.returncode == 0, report.stderr
    assert report.stdout == expected.stdout
    assert "deep.py" not in report.stdout
    assert _warnings(report.stderr) == [
        f"covcore: warning: Couldn't parse Python file '{ours / 'pkg' / 'broken.py'}'",
        f"covcore: warning: Couldn't parse '{ours / 'pkg' / 'gone.py'}': "
        f"No source for code: '{ours / 'pkg' / 'gone.py'}'.",
    ]


@pytest.mark.parametrize("command", [["json", "-i"], ["xml", "--ignore-errors"], ["lcov", "-i"], ["html", "-i"]])
def test_ignore_errors_flag_on_every_report(tmp_path: Path, command: list[str]) -> None:
    ours = _measured_project(tmp_path, _config(".coveragerc", OPTIONS[:1]), "covcore")
    assert run_covcore(command[:1], ours).returncode == 1
    result = run_covcore(command, ours)
    assert result.returncode == 0, result.stderr
    assert len(_warnings(result.stderr)) == 2


def test_disable_warnings_silences_the_named_warnings(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", "x = 1\n")
    make_file("pyproject.toml", '[tool.coverage.run]\nsource = ["nosuchpkg", "no/*/match"]\n')
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert result.stderr.splitlines() == [
        "covcore: warning: Source glob pattern 'no/*/match' matched no files or directories.",
        "covcore: warning: Module nosuchpkg was never imported.",
        "covcore: warning: No data was collected.",
    ]
    make_file("pyproject.toml", '[tool.coverage.run]\nsource = ["nosuchpkg", "no/*/match"]\n'
                                'disable_warnings = ["module-not-imported", "no-data-collected"]\n')
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert result.stderr.splitlines() == [
        "covcore: warning: Source glob pattern 'no/*/match' matched no files or directories.",
    ]
    make_file("pyproject.toml", '[tool.coverage.run]\nsource = ["no/*/match"]\n'
                                'disable_warnings = ["source-glob-no-match", "no-data-collected"]\n')
    assert run_covcore(["run", "prog.py"], tmp_path).stderr == ""


def test_disable_warnings_reaches_measured_subprocesses(
    tmp_path: Path, make_file: Callable[[str, str], Path],
) -> None:
    make_file("child.py", "import sys\n")
    make_file("prog.py", "import subprocess, sys\nsubprocess.run([sys.executable, 'child.py'], check=True)\n")
    make_file(".coveragerc", "[run]\nsource = nosuchpkg\nsubprocess = true\n"
                             "disable_warnings = module-not-imported, no-data-collected\n")
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert (result.returncode, result.stderr) == (0, "")


# -- The same options through the API ------------------------------------------


def test_api_ignore_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ours = _measured_project(tmp_path, _config("setup.cfg", OPTIONS[:1]), "covcore")
    monkeypatch.chdir(ours)
    cov = Coverage()
    cov.load()
    with pytest.raises(NotPython):
        cov.report(file=io.StringIO())
    with pytest.raises(NoSource):
        cov.report(file=io.StringIO(), include=["*/gone.py"])
    out = io.StringIO()
    assert cov.report(file=out, ignore_errors=True) == pytest.approx(75.0)
    assert "broken.py" not in out.getvalue() and "pkg/mod.py" in out.getvalue()
    assert cov.json_report("c.json", ignore_errors=True) == pytest.approx(75.0)
    assert cov.xml_report("c.xml", ignore_errors=True) == pytest.approx(75.0)
    assert cov.lcov_report("c.lcov", ignore_errors=True) == pytest.approx(75.0)
    assert cov.html_report(directory="h", ignore_errors=True) == pytest.approx(75.0)
    assert sorted(json.loads(Path("c.json").read_text())["files"]) == ["pkg/__init__.py", "pkg/mod.py"]
    assert "Couldn't parse Python file" in capsys.readouterr().err
    # The setting in the file does the same.
    (ours / "setup.cfg").write_text("[coverage:report]\nignore_errors = true\n")
    assert Coverage().report(file=io.StringIO()) == pytest.approx(75.0)


def test_api_disable_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(control, "_warned", set())
    (tmp_path / ".coveragerc").write_text("[run]\ndisable_warnings = no-data-collected\n")
    cov = Coverage(include=["nothing/*"])
    cov.start()
    cov.stop()
    cov.save()
    assert capsys.readouterr().err == ""
    (tmp_path / ".coveragerc").write_text("[run]\ndisable_warnings = module-not-imported\n")
    cov = Coverage(include=["nothing/*"])
    cov.start()
    cov.stop()
    cov.save()
    assert capsys.readouterr().err == "covcore: warning: No data was collected.\n"


def test_api_include_namespace_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "src" / "ns").mkdir(parents=True)
    (tmp_path / "src" / "top.py").write_text("A = 1\n")
    (tmp_path / "src" / "ns" / "inner.py").write_text("B = 2\n")
    monkeypatch.chdir(tmp_path)
    for setting, expected in (("true", ["src/ns/inner.py", "src/top.py"]), ("false", ["src/top.py"])):
        (tmp_path / "pyproject.toml").write_text(f"[tool.coverage.report]\ninclude_namespace_packages = {setting}\n")
        cov = Coverage(source=["src"])
        cov.start()
        cov.stop()
        cov.save()
        data = CoverageData(".covcore")
        data.read()
        assert sorted(Path(p).relative_to(tmp_path).as_posix() for p in data.measured_files()) == expected


# -- [run] source glob patterns (coverage.py 7.18) -------------------------------

MONOREPO = {
    "packages/alpha/src/alpha/__init__.py": "def a():\n    return 1\n",
    "packages/beta/src/beta/__init__.py": "def b():\n    return 2\n",
    "packages/beta/src/beta/unused.py": "X = 3\n",
    "packages/gamma/README": "not a package\n",
    "main.py": "import sys\nsys.path[:0] = ['packages/alpha/src', 'packages/beta/src']\n"
               "import alpha, beta\nalpha.a()\n",
}

#: coverage.py 7.18 is the first with glob patterns in [run] source; the
#: oracle on 3.10 (7.16.2) has none, so there the report 7.18 gives for this
#: project is compared instead.
GLOBS_IN_ORACLE = coverage.version_info[:2] >= (7, 18)
GLOB_REPORT = """\
Name                                   Stmts   Miss  Cover
----------------------------------------------------------
packages/alpha/src/alpha/__init__.py       2      0   100%
packages/beta/src/beta/__init__.py         2      1    50%
packages/beta/src/beta/unused.py           1      1     0%
----------------------------------------------------------
TOTAL                                      5      2    60%
"""
NO_MATCH = "Source glob pattern 'nothing/*/here' matched no files or directories."


def _monorepo(root: Path) -> None:
    for name, text in MONOREPO.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _oracle_glob_report(root: Path, run_args: list[str], config: tuple[str, str] = ("", "")) -> tuple[str, str]:
    """(coverage.py's report, its `run` stderr) on the monorepo in `root` (GLOB_REPORT and "" before 7.18)."""
    if not GLOBS_IN_ORACLE:
        return GLOB_REPORT, ""
    _monorepo(root)
    if config[0]:
        (root / config[0]).write_text(config[1])
    ran = _coverage_py(["run", *run_args, "main.py"], root)
    assert ran.returncode == 0, ran.stderr
    return _coverage_py(["report"], root).stdout, ran.stderr


@pytest.mark.parametrize("kind", CONFIG_KINDS)
def test_source_glob_patterns(tmp_path: Path, kind: str) -> None:
    config = _config(kind, [("run", "source", "packages/*/src, nothing/*/here",
                             '["packages/*/src", "nothing/*/here"]')])
    ours = tmp_path / "covcore"
    _monorepo(ours)
    (ours / config[0]).write_text(config[1])
    result = run_covcore(["run", "main.py"], ours)
    assert result.returncode == 0
    assert result.stderr == f"covcore: warning: {NO_MATCH}\n"
    expected, warned = _oracle_glob_report(tmp_path / "coverage", [], config)
    assert run_covcore(["report"], ours).stdout == expected == GLOB_REPORT
    if GLOBS_IN_ORACLE:
        assert f"CoverageWarning: {NO_MATCH} (source-glob-no-match)" in warned


def test_source_file_system_root_is_an_error(tmp_path: Path) -> None:
    """As coverage.py 7.18: measuring a whole file system is a mistake."""
    (tmp_path / "prog.py").write_text("x = 1\n")
    theirs = subprocess.run([sys.executable, "-m", "coverage", "run", "--source=/", "prog.py"],
                            cwd=tmp_path, capture_output=True, text=True)
    ours = run_covcore(["run", "--source=/", "prog.py"], tmp_path)
    if coverage.version_info[:3] >= (7, 17, 0):  # 7.16 (the oracle on 3.10) measures it
        assert (theirs.returncode, theirs.stdout) == (1, "Source dir can't be a file system root: '/'\n")
    assert (ours.returncode, ours.stderr) == (1, "covcore: Source dir can't be a file system root: '/'\n")


def test_source_glob_on_the_command_line(tmp_path: Path) -> None:
    ours = tmp_path / "covcore"
    _monorepo(ours)
    result = run_covcore(["run", "--source", "packages/**/src", "main.py"], ours)
    assert (result.returncode, result.stderr) == (0, "")
    expected, warned = _oracle_glob_report(tmp_path / "coverage", ["--source", "packages/**/src"])
    assert warned == ""
    assert run_covcore(["report"], ours).stdout == expected == GLOB_REPORT


def test_source_glob_matches_in_the_selector(tmp_path: Path) -> None:
    _monorepo(tmp_path)
    selector = FileSelector(["packages/*/src", "packages/b?ta/src/beta/unused.py", "[xyz]*", "alpha"],
                            cwd=str(tmp_path))
    assert selector.source_dirs == [
        str(tmp_path / "packages/alpha/src"), str(tmp_path / "packages/beta/src"),
        str(tmp_path / "packages/beta/src/beta/unused.py"),
    ]
    assert selector.source_pkgs == ["alpha"]
    assert selector.unmatched_patterns == ["[xyz]*"]


def test_source_glob_through_the_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _monorepo(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path / "packages" / "beta" / "src"))
    cov = Coverage(source=["packages/*/src"], config_file=False)
    cov.start()
    import beta  # noqa: F401

    cov.stop()
    cov.save()
    sys.modules.pop("beta", None)
    data = CoverageData(".covcore")
    data.read()
    assert sorted(Path(p).name for p in data.measured_files()) == ["__init__.py", "__init__.py", "unused.py"]
    assert data.lines(str(tmp_path / "packages/beta/src/beta/__init__.py")) == [1]


@pytest.mark.parametrize("value", ["nan", "-5", "101", "inf", "-inf"])
def test_fail_under_outside_0_to_100_is_refused(tmp_path: Path, make_file: Callable[[str, str], Path], value: str) -> None:
    # coverage.py refuses them too ("Must be between 0 and 100").
    make_file("prog.py", "a = 1\n")
    assert run_covcore(["run", "prog.py"], cwd=tmp_path).returncode == 0
    result = run_covcore(["report", f"--fail-under={value}"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"argument --fail-under: {value} is not a percentage between 0 and 100" in result.stderr
    make_file(".covcorerc", f"[report]\nfail_under = {value}\n")
    result = run_covcore(["report"], cwd=tmp_path)
    assert result.returncode != 0
    assert "not a percentage between 0 and 100" in result.stderr

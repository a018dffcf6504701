"""Configuration files: covcore's own, coverage.py's as a fallback, and bad ones.

The acceptance checks run a sample project configured only through
coverage.py's settings (pyproject.toml, .coveragerc, setup.cfg, tox.ini),
under coverage.py and under covcore, and compare the reports line for line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable

import coverage
import pytest

from covcore.config import Config, expand_variables, read_config
from covcore.exceptions import ConfigError

from conftest import run_covcore

#: coverage.py 7.16 is the oracle on Python 3.10.
OLD_COVERAGE = coverage.version_info[:3] < (7, 17, 0)

# -- The sample project ------------------------------------------------------

SAMPLE_FILES = {
    "pkg/__init__.py": "",
    "pkg/shapes.py": """\
        def area(kind, size):
            if kind == "square":
                return size * size
            elif kind == "circle":
                return 3 * size * size
            raise ValueError(kind)   # pragma: no cover

        def describe(size):
            if size > 10:
                return "big"
            if size > 5:
                return "medium"
            return "small"

        def debug_only():
            print("debug")       # excluded by exclude_also
            return 1

        class Unused:
            def method(self):
                return None
    """,
    "pkg/skipme.py": """\
        def nothing():
            return 0
    """,
    "pkg/full.py": """\
        def one():
            return 1
    """,
    "prog.py": """\
        import pkg.full
        import pkg.skipme
        from pkg.shapes import area, describe

        area("square", 2)
        area("circle", 2)
        describe(12)
        describe(1)
        pkg.full.one()
    """,
}

# The same settings in each of coverage.py's config file kinds.
SETTINGS_INI = """\
    [{prefix}run]
    branch = True
    source = pkg
    omit =
        */skipme.py

    [{prefix}report]
    show_missing = true
    skip_covered = true
    precision = 1
    sort = -Cover
    exclude_also =
        def debug_only
    fail_under = 95
"""

SETTINGS_TOML = """\
    [tool.coverage.run]
    branch = true
    source = ["pkg"]
    omit = ["*/skipme.py"]

    [tool.coverage.report]
    show_missing = true
    skip_covered = true
    precision = 1
    sort = "-Cover"
    exclude_also = ["def debug_only"]
    fail_under = 95
"""

CONFIG_KINDS = {
    "pyproject.toml": SETTINGS_TOML,
    ".coveragerc": SETTINGS_INI.format(prefix=""),
    "setup.cfg": "[metadata]\nname = sample\n\n" + textwrap.dedent(SETTINGS_INI.format(prefix="coverage:")),
    "tox.ini": "[tox]\nenvlist = py3\n\n" + textwrap.dedent(SETTINGS_INI.format(prefix="coverage:")),
}


def _write_sample(root: Path, config_name: str, config_text: str, bom: bool = False, crlf: bool = False) -> None:
    for name, text in SAMPLE_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    text = textwrap.dedent(config_text)
    if crlf:
        text = text.replace("\n", "\r\n")
    (root / config_name).write_bytes(text.encode("utf-8-sig" if bom else "utf-8"))


def _coverage_py(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coverage", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("bom, crlf", [(False, False), (True, False), (False, True), (True, True)],
                         ids=["plain", "bom", "crlf", "bom-crlf"])
@pytest.mark.parametrize("config_name", sorted(CONFIG_KINDS))
def test_coverage_py_config_gives_coverage_py_report(tmp_path: Path, config_name: str, bom: bool, crlf: bool) -> None:
    # A file saved with a byte order mark reads as without (coverage.py 7.18),
    # and one saved with Windows line ends as with newlines.
    if bom and OLD_COVERAGE:
        pytest.skip("coverage.py 7.16 does not read a byte order mark")
    _write_sample(tmp_path, config_name, CONFIG_KINDS[config_name], bom, crlf)
    ours = run_covcore(["run", "prog.py"], tmp_path)
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == ""
    ours = run_covcore(["report"], tmp_path)
    theirs_run = _coverage_py(["run", "prog.py"], tmp_path)
    assert theirs_run.returncode == 0, theirs_run.stderr
    theirs = _coverage_py(["report"], tmp_path)
    assert ours.stdout == theirs.stdout
    # fail_under = 95 fails both, with status 2.
    assert (ours.returncode, theirs.returncode) == (2, 2)
    assert "pkg/shapes.py" in ours.stdout and "skipme" not in ours.stdout
    assert "Missing" in ours.stdout and ".0%" in ours.stdout
    # The JSON reports agree too: totals and every file's lines and branches.
    assert run_covcore(["json", "-o", "ours.json"], tmp_path).returncode == 2
    assert _coverage_py(["json", "-o", "theirs.json"], tmp_path).returncode == 2
    ours_json, theirs_json = _json(tmp_path / "ours.json"), _json(tmp_path / "theirs.json")
    assert ours_json["totals"] == theirs_json["totals"]
    assert ours_json["files"] == theirs_json["files"]


def _json(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


# A second sample: the other options, each with its coverage.py meaning, and
# environment variables in the values.
RICH_FILES = {
    "pkg/__init__.py": "",
    "pkg/empty.py": "\n",
    "pkg/loops.py": """\
        import os

        def f(x):
            while x > 0:  # pragma: retry
                x -= 1
            if x == 0:  # nobranch
                return 1
            if os.environ.get("NEVER"):
                raise SystemExit  # DEBUG-ONLY
            for i in range(3):
                pass
            return 2

        def g():
            return 3  # pragma: no cover

        class C:
            def __repr__(self):
                return "c"
    """,
    "sub/__init__.py": "",
    "sub/b.py": """\
        def h(y):
            return y + 1
    """,
    "other/c.py": "def k():\n    return 0\n",
    "prog.py": """\
        import pkg.loops, pkg.empty, sub.b, other.c
        pkg.loops.f(2)
        sub.b.h(1)
    """,
}

RICH_TOML = """\
    [tool.coverage.run]
    branch = true
    include = ["pkg/*", "sub/*", "prog.py", "other/*"]
    omit = ["${COVCORE_TEST_OMIT-*/c.py}", "$COVCORE_TEST_UNSET_TOO*/nothing"]
    data_file = "data/$${literal}cov"
    relative_files = true

    [tool.coverage.report]
    exclude_lines = ["pragma: no cover", "def __repr__"]
    exclude_also = ["DEBUG-ONLY"]
    partial_branches = ["nobranch"]
    partial_also = ["pragma: retry"]
    precision = 2
    show_missing = true
    skip_empty = true
    sort = "-cover"
    omit = ["prog.py"]

    [tool.coverage.html]
    directory = "${COVCORE_TEST_OUT}/h"
    [tool.coverage.xml]
    output = "${COVCORE_TEST_OUT}/c.xml"
    [tool.coverage.json]
    output = "${COVCORE_TEST_OUT}/c.json"
    [tool.coverage.lcov]
    output = "${COVCORE_TEST_OUT}/c.lcov"
"""

RICH_INI = """\
    [{prefix}run]
    branch = true
    include =
        pkg/*
        sub/*
        prog.py, other/*
    omit = ${{COVCORE_TEST_OMIT-*/c.py}}, $COVCORE_TEST_UNSET_TOO*/nothing
    data_file = data/$${{literal}}cov
    relative_files = true

    [{prefix}report]
    exclude_lines =
        pragma: no cover
        def __repr__
    exclude_also = DEBUG-ONLY
    partial_branches = nobranch
    partial_also = pragma: retry
    precision = 2
    show_missing = yes
    skip_empty = on
    sort = -Cover
    omit = prog.py

    [{prefix}html]
    directory = ${{COVCORE_TEST_OUT}}/h
    [{prefix}xml]
    output = ${{COVCORE_TEST_OUT}}/c.xml
    [{prefix}json]
    output = ${{COVCORE_TEST_OUT}}/c.json
    [{prefix}lcov]
    output = ${{COVCORE_TEST_OUT}}/c.lcov
"""

RICH_KINDS = {
    "pyproject.toml": RICH_TOML,
    ".coveragerc": RICH_INI.format(prefix=""),
    "setup.cfg": "[metadata]\nname = sample\n\n" + textwrap.dedent(RICH_INI.format(prefix="coverage:")),
    "tox.ini": "[tox]\nenvlist = py3\n\n" + textwrap.dedent(RICH_INI.format(prefix="coverage:")),
}


def _without_stamps(text: str) -> str:
    """An XML report without what differs between tools and runs."""
    text = re.sub(r'timestamp="\d+"', "", text)
    text = re.sub(r' version="[^"]*"', "", text)
    return re.sub(r"<!-- Generated by .*? -->", "", text)


@pytest.mark.parametrize("config_name", sorted(RICH_KINDS))
def test_every_option_means_what_it_means_in_coverage_py(
    tmp_path: Path, config_name: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COVCORE_TEST_OUT", "out")
    monkeypatch.delenv("COVCORE_TEST_OMIT", raising=False)
    monkeypatch.delenv("COVCORE_TEST_UNSET_TOO", raising=False)
    results = {}
    for tool in ("coverage", "covcore"):
        root = tmp_path / tool
        for name, text in RICH_FILES.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        (root / config_name).write_text(textwrap.dedent(RICH_KINDS[config_name]))
        (root / "data").mkdir()
        run = run_covcore if tool == "covcore" else _coverage_py
        ran = run(["run", "prog.py"], root)
        assert ran.returncode == 0, ran.stderr
        # $$ is a dollar sign; the data file has relative names.
        assert (root / "data" / "${literal}cov").exists()
        report = run(["report"], root)
        assert report.returncode == 0, report.stderr
        for command in ("json", "xml", "lcov", "html"):
            assert run([command], root).returncode == 0
        assert (root / "out" / "h" / "index.html").exists()
        results[tool] = (
            report.stdout, _json(root / "out/c.json"), _without_stamps((root / "out/c.xml").read_text()),
            (root / "out/c.lcov").read_text(),
        )
    ours, theirs = results["covcore"], results["coverage"]
    assert ours[0] == theirs[0]
    assert ours[1]["totals"] == theirs[1]["totals"] and ours[1]["files"] == theirs[1]["files"]
    assert ours[2] == theirs[2]
    ours_lcov, theirs_lcov = ours[3], theirs[3]
    if OLD_COVERAGE:
        # 7.16 starts a function's FN record at its def line, 7.18 (and covcore) at its body.
        ours_lcov = re.sub(r"^FN:\d+,\d+,", "FN:", ours_lcov, flags=re.M)
        theirs_lcov = re.sub(r"^FN:\d+,\d+,", "FN:", theirs_lcov, flags=re.M)
    assert ours_lcov == theirs_lcov
    # What the options did: skip_empty, report omit, run omit with a default, exclusions, sort, precision.
    assert ours[0].splitlines()[2:4] == [
        "sub/b.py           2      0      0      0 100.00%",
        "pkg/loops.py      12      4      6      0  66.67%   8-12",
    ]
    assert ours[0].endswith("\n3 empty files skipped.\n")
    assert ours[1]["files"]["pkg/loops.py"]["excluded_lines"] == [9, 15, 18, 19]


def test_run_options_take_effect(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", "import threading\nt = threading.Thread(target=print)\nt.start()\nt.join()\n")
    make_file(".coveragerc", """\
        [run]
        timid = true
        parallel = true
        data_file = out/data
        concurrency = thread, multiprocessing
    """)
    (tmp_path / "out").mkdir()
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    parts = list((tmp_path / "out").glob("data.*"))
    assert len(parts) == 1 and not (tmp_path / "out" / "data").exists()
    from covcore.data import CoverageData

    part = CoverageData(str(parts[0]))
    part.read()
    assert part.meta()["core"] == "pytrace"       # timid: the Python tracer, as in coverage.py
    make_file(".coveragerc", "[run]\ncore = ctrace\ndata_file = out/data\n")
    assert run_covcore(["run", "prog.py"], tmp_path).returncode == 0
    data = CoverageData(str(tmp_path / "out" / "data"))
    data.read()
    assert data.meta()["core"] == "ctrace"


def test_covcore_settings_win_over_coverage_py_settings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.coverage.run]\nbranch = true\n[tool.covcore.run]\nbranch = false\n"
    )
    config = _read(tmp_path)
    assert config.branch is False
    assert config.config_origin == "covcore"


def _read(cwd: Path, rcfile: str | None = None) -> Config:
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return read_config(rcfile)
    finally:
        os.chdir(old)


@pytest.mark.parametrize(
    "name, text",
    [
        (".covcorerc", "[run]\nbranch = true\n"),
        (".covcorerc", "[covcore:run]\nbranch = true\n"),
        ("setup.cfg", "[covcore:run]\nbranch = true\n"),
        ("tox.ini", "[covcore:run]\nbranch = true\n"),
        ("pyproject.toml", "[tool.covcore.run]\nbranch = true\n"),
    ],
)
def test_covcore_config_files(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    config = _read(tmp_path)
    assert config.branch is True
    assert config.config_file == name
    assert config.config_origin == "covcore"


def test_covcorerc_wins_over_every_other_file(tmp_path: Path) -> None:
    (tmp_path / ".covcorerc").write_text("[run]\nbranch = false\n")
    (tmp_path / "setup.cfg").write_text("[covcore:run]\nbranch = true\n")
    (tmp_path / ".coveragerc").write_text("[run]\nbranch = true\n")
    assert _read(tmp_path).config_file == ".covcorerc"


def test_coveragerc_wins_over_other_coverage_py_files(tmp_path: Path) -> None:
    (tmp_path / ".coveragerc").write_text("[run]\ntimid = true\n")
    (tmp_path / "pyproject.toml").write_text("[tool.coverage.run]\nbranch = true\n")
    config = _read(tmp_path)
    assert (config.config_file, config.timid, config.branch) == (".coveragerc", True, False)


def test_setup_cfg_without_our_sections_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n[flake8]\nmax-line-length = 99\n")
    (tmp_path / "pyproject.toml").write_text("[tool.coverage.run]\nbranch = true\n")
    config = _read(tmp_path)
    assert (config.config_file, config.branch) == ("pyproject.toml", True)


@pytest.mark.parametrize("text", ["", "\n  \n", "# nothing yet\n; nor here\n    # indented\n"])
def test_config_file_of_blanks_and_comments_gives_the_defaults(tmp_path: Path, text: str) -> None:
    # Read without configparser (start-up time), with configparser's result.
    (tmp_path / "ci.cfg").write_text(text)
    (tmp_path / ".covcorerc").write_text(text)
    (tmp_path / "setup.cfg").write_text(text)
    (tmp_path / "pyproject.toml").write_text("[tool.coverage.run]\nbranch = true\n")
    given = _read(tmp_path, "ci.cfg")
    assert (given.config_file, given.branch, given.ignored) == ("ci.cfg", False, [])
    found = _read(tmp_path)
    assert (found.config_file, found.branch) == (".covcorerc", False)
    (tmp_path / ".covcorerc").unlink()
    assert (_read(tmp_path).config_file, _read(tmp_path).branch) == ("pyproject.toml", True)


def test_rcfile_option_and_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ci.cfg").write_text("[run]\nbranch = true\n")
    (tmp_path / "other.toml").write_text("[tool.coverage.report]\nprecision = 2\n")
    assert _read(tmp_path, "ci.cfg").branch is True
    assert _read(tmp_path, "other.toml").precision == 2
    monkeypatch.setenv("COVCORE_RCFILE", "ci.cfg")
    assert _read(tmp_path).branch is True


def test_every_option_of_the_issue_is_read(tmp_path: Path) -> None:
    (tmp_path / ".coveragerc").write_text(textwrap.dedent("""\
        [run]
        branch = 1
        source = a, b
        source_pkgs = c
        include = x/*
        omit = y/*
        parallel = yes
        data_file = ~/data/.cov
        core = pytrace
        timid = on
        concurrency = thread, multiprocessing
        dynamic_context = test_function
        context = ci-linux
        relative_files = true
        command_line = -m pytest -q
        [report]
        exclude_lines = pragma: no cover
        exclude_also = if DEBUG:
        partial_branches = pragma: no branch
        partial_also = while retry:
        fail_under = 90.5
        precision = 2
        show_missing = true
        skip_covered = true
        skip_empty = true
        sort = miss
        include = a/*
        omit = b/*
        contexts = test_a, test_b
        [html]
        directory = out/html
        title = Ours
        [xml]
        output = out/cov.xml
        [json]
        output = out/cov.json
        pretty_print = true
        show_contexts = true
        [lcov]
        output = out/cov.lcov
        [paths]
        source =
            src/
            /ci/*/src/
    """))
    c = _read(tmp_path)
    assert (c.branch, c.source, c.source_pkgs, c.include, c.omit, c.parallel) == (
        True, ["a", "b"], ["c"], ["x/*"], ["y/*"], True)
    assert c.data_file.endswith("/data/.cov") and not c.data_file.startswith("~")
    assert (c.core, c.timid, c.concurrency) == ("pytrace", True, ["thread", "multiprocessing"])
    assert (c.dynamic_context, c.context, c.relative_files, c.command_line) == (
        "test_function", "ci-linux", True, "-m pytest -q")
    assert c.exclude_lines == ["pragma: no cover"] and c.exclude_also == ["if DEBUG:"]
    assert c.partial_branches == ["pragma: no branch"] and c.partial_also == ["while retry:"]
    assert (c.fail_under, c.precision, c.show_missing, c.skip_covered, c.skip_empty, c.sort) == (
        90.5, 2, True, True, True, "miss")
    assert (c.report_include, c.report_omit, c.report_contexts) == (["a/*"], ["b/*"], ["test_a", "test_b"])
    assert (c.html_dir, c.html_title, c.xml_output, c.json_output, c.lcov_output) == (
        "out/html", "Ours", "out/cov.xml", "out/cov.json", "out/cov.lcov")
    assert (c.json_pretty_print, c.json_show_contexts) == (True, True)
    assert c.paths == {"source": ["src/", "/ci/*/src/"]}
    assert c.ignored == []


def test_ignored_options_are_named_once(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file(".coveragerc", """\
        [run]
        debug = trace
        branch = true
        no_such_thing = 1
        [html]
        extra_css = extra.css
        [django_coverage_plugin]
        template_extensions = html
    """)
    make_file("prog.py", "x = 1\n")
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "covcore: warning: ignoring settings covcore doesn't support, in .coveragerc: "
        "[run] debug, [run] no_such_thing (unknown), [html] extra_css, "
        "[django_coverage_plugin]"
    ]


def test_always_on_options_are_accepted_silently(tmp_path: Path) -> None:
    (tmp_path / ".coveragerc").write_text("[run]\nsigterm = true\npatch = subprocess, fork\n")
    config = _read(tmp_path)
    assert config.ignored == [] and config.subprocess is True


# -- Environment variables --------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("$HOME/x", "/home/me/x"),
        ("${HOME}x", "/home/mex"),
        ("$NOPE/x", "/x"),
        ("${NOPE-default}", "default"),
        ("${HOME-default}", "/home/me"),
        ("$$HOME", "$HOME"),
        ("a$", "a$"),
    ],
)
def test_variables_expand_as_in_coverage_py(text: str, expected: str) -> None:
    assert expand_variables(text, {"HOME": "/home/me"}) == expected


def test_strict_variable_must_be_set() -> None:
    with pytest.raises(ValueError, match="environment variable NOPE is not set"):
        expand_variables("${NOPE?}", {})


def test_variables_expand_in_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COV_SRC", "mypkg")
    monkeypatch.setenv("COV_BRANCH", "true")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.coverage.run]\nsource = ["$COV_SRC", "${OTHER-other}"]\nbranch = "$COV_BRANCH"\n'
    )
    config = _read(tmp_path)
    assert (config.source, config.branch) == (["mypkg", "other"], True)


# -- Broken configurations: one clear line each -----------------------------

BROKEN = [
    ("pyproject.toml", "[tool.coverage.run\nbranch = true\n",
     "Couldn't read config file pyproject.toml: Expected ']' at the end of a table declaration (at line 1, column 19)"),
    ("pyproject.toml", "[tool.covcore.run]\nbranch = maybe\n",
     "Couldn't read config file pyproject.toml: Invalid value (at line 2, column 10)"),
    ("pyproject.toml", '[tool.coverage.run]\nbranch = "maybe"\n',
     "pyproject.toml: [tool.coverage.run] branch: 'maybe' is not a boolean (true or false)"),
    ("pyproject.toml", '[tool.coverage.run]\nsource = "pkg"\n',
     "pyproject.toml: [tool.coverage.run] source: 'pkg' is not a list"),
    ("pyproject.toml", "[tool.coverage.run]\nsource = [1, 2]\n",
     "pyproject.toml: [tool.coverage.run] source: [1, 2] is not a list of strings"),
    ("pyproject.toml", "[tool.covcore.run]\nbranchh = true\n",
     "pyproject.toml: [tool.covcore.run] branchh: unknown option"),
    ("pyproject.toml", "[tool.covcore.rpeort]\nprecision = 1\n",
     "pyproject.toml: [tool.covcore.rpeort]: unknown section"),
    ("pyproject.toml", "[tool.covcore]\nrun = 3\n",
     "pyproject.toml: [tool.covcore.run]: must be a table, not int"),
    ("pyproject.toml", '[tool.coverage.report]\nprecision = "two"\n',
     "pyproject.toml: [tool.coverage.report] precision: 'two' is not an integer"),
    ("pyproject.toml", "[tool.coverage.report]\nprecision = -1\n",
     "pyproject.toml: [tool.coverage.report] precision: -1 is negative"),
    ("pyproject.toml", "[tool.coverage.report]\nfail_under = 101\n",
     "pyproject.toml: [tool.coverage.report] fail_under: 101.0 is not a percentage between 0 and 100"),
    ("pyproject.toml", '[tool.coverage.report]\nexclude_also = ["if (x:"]\n',
     "pyproject.toml: [tool.coverage.report] exclude_also: invalid regex 'if (x:': "),
    (".coveragerc", "[run]\nbranch = sometimes\n",
     ".coveragerc: [run] branch: 'sometimes' is not a boolean (true or false)"),
    (".coveragerc", "[run]\ncore = turbo\n",
     ".coveragerc: [run] core: unknown core 'turbo' (choose from sysmon, ctrace, pytrace)"),
    (".coveragerc", "[run]\nconcurrency = thread, fibers\n",
     ".coveragerc: [run] concurrency: unknown concurrency fibers (choose from "),
    (".coveragerc", "[run]\ndynamic_context = test_method\n",
     ".coveragerc: [run] dynamic_context: 'test_method' is not a dynamic context covcore knows (test_function)"),
    (".coveragerc", "[run]\nbranch = true\nbranch = false\n",
     ".coveragerc: [run] branch: set twice (line 3)"),
    (".coveragerc", "branch = true\n",
     "Couldn't read config file .coveragerc: line 1: 'branch = true' comes before any [section]"),
    (".coveragerc", "[run]\nbranch\n",
     "Couldn't read config file .coveragerc: line 2: 'branch' is neither 'option = value' nor a [section]"),
    ("tox.ini", "[tox]\nenvlist = py3\n[coverage:report]\nshow_missing = sure\n",
     "tox.ini: [coverage:report] show_missing: 'sure' is not a boolean (true or false)"),
    (".coveragerc", "[report]\nexclude_lines =\n    pragma: no cover\n    if (DEBUG:\n",
     ".coveragerc: [report] exclude_lines: invalid regex 'if (DEBUG:': "),
    (".coveragerc", "[report]\npartial_branches = (\n",
     ".coveragerc: [report] partial_branches: invalid regex '(': "),
    (".coveragerc", "[report]\nfail_under = lots\n",
     ".coveragerc: [report] fail_under: 'lots' is not a number"),
    ("setup.cfg", "[coverage:report]\nprecision = 1.5\n",
     "setup.cfg: [coverage:report] precision: '1.5' is not an integer"),
    ("pyproject.toml", "[tool.coverage.report]\nshow_missing = 1\n",
     "pyproject.toml: [tool.coverage.report] show_missing: 1 is not a boolean (true or false)"),
    ("pyproject.toml", '[tool.coverage.report]\nexclude_lines = "pragma"\n',
     "pyproject.toml: [tool.coverage.report] exclude_lines: 'pragma' is not a list"),
    ("pyproject.toml", '[tool.coverage.paths]\nsource = "src"\n',
     "pyproject.toml: [tool.coverage.paths] source: 'src' is not a list"),
    ("pyproject.toml", '[tool.coverage.report]\nsort = "-Size"\n',
     "pyproject.toml: [tool.coverage.report] sort: '-Size' is not a column"),
    (".coveragerc", b"[run]\nbranch = \xff\n",
     "Couldn't read config file .coveragerc: 'utf-8' codec can't decode byte 0xff"),
    (".coveragerc", "[report]\nsort = size\n",
     ".coveragerc: [report] sort: 'size' is not a column (name, stmts, miss, branch, brpart, cover, '-' first to reverse)"),
    (".coveragerc", "[report]\nformat = pdf\n",
     ".coveragerc: [report] format: 'pdf' is not a report format (text, markdown, total)"),
    (".coveragerc", "[run]\ndata_file = ${COVCORE_TEST_UNSET?}\n",
     ".coveragerc: [run] data_file: environment variable COVCORE_TEST_UNSET is not set"),
    (".coveragerc", "[paths]\nsource =\n    src/\n    /ci/*\n",
     ".coveragerc: [paths] source: '/ci/*': a pattern can't end with a wildcard"),
    ("setup.cfg", "[covcore:run]\nparallel = perhaps\n",
     "setup.cfg: [covcore:run] parallel: 'perhaps' is not a boolean (true or false)"),
    ("tox.ini", "[coverage:xml]\npackage_depth = 0\n",
     "tox.ini: [coverage:xml] package_depth: 0 is less than 1"),
    (".covcorerc", "[run]\nsoruce = pkg\n",
     ".covcorerc: [run] soruce: unknown option"),
    (".covcorerc", "[html]\ndirectory = out\n[html]\ntitle = x\n",
     ".covcorerc: [html]: section appears twice (line 3)"),
]


@pytest.mark.parametrize("name, text, message", BROKEN, ids=[f"{i}-{b[0]}" for i, b in enumerate(BROKEN)])
def test_broken_config_is_one_clear_line(tmp_path: Path, name: str, text: str | bytes, message: str) -> None:
    if isinstance(text, bytes):
        (tmp_path / name).write_bytes(text)
    else:
        (tmp_path / name).write_text(text)
    (tmp_path / "prog.py").write_text("x = 1\n")
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("covcore: " + message), lines[0]
    assert not (tmp_path / ".covcore").exists()


def test_broken_config_cases_are_distinct() -> None:
    assert len(BROKEN) >= 20
    assert len({text for _, text, _ in BROKEN}) == len(BROKEN)
    assert len({message for _, _, message in BROKEN}) == len(BROKEN)


@pytest.mark.parametrize("command", [["run", "prog.py"], ["report"]])
@pytest.mark.parametrize("rcfile", ["nope.cfg", "conf", "missing/pyproject.toml"])
def test_missing_rcfile_is_one_clear_line(tmp_path: Path, rcfile: str, command: list[str]) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "prog.py").write_text("x = 1\n")
    result = run_covcore([command[0], "--rcfile", rcfile, *command[1:]], tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"covcore: Couldn't read config file {rcfile}: no such file\n"


def test_bad_config_fails_every_command(tmp_path: Path) -> None:
    (tmp_path / ".covcorerc").write_text("[report]\nprecision = lots\n")
    for command in (["report"], ["json"], ["combine"], ["erase"]):
        result = run_covcore(command, tmp_path)
        assert result.returncode == 1
        assert result.stderr == "covcore: .covcorerc: [report] precision: 'lots' is not an integer\n"


def test_read_config_raises_config_error(tmp_path: Path) -> None:
    (tmp_path / ".covcorerc").write_text("[run]\ntimid = 2\n")
    with pytest.raises(ConfigError, match=r"^\.covcorerc: \[run\] timid: '2' is not a boolean"):
        _read(tmp_path)


def test_command_line_setting_runs_the_program(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", "import sys\nprint('ran', sys.argv[1:])\n")
    make_file(".coveragerc", "[run]\ncommand_line = prog.py one two\n")
    result = run_covcore(["run"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran ['one', 'two']\n"


def test_relative_files_stores_relative_names(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("pkg/mod.py", "def f():\n    return 1\nf()\n")
    make_file("prog.py", "import pkg.mod\n")
    make_file(".covcorerc", "[run]\nrelative_files = true\n")
    assert run_covcore(["run", "prog.py"], tmp_path).returncode == 0
    from covcore.data import CoverageData

    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.measured_files() == {"prog.py", "pkg/mod.py"}
    report = run_covcore(["report", "--include", "pkg/*"], tmp_path)
    assert "pkg/mod.py" in report.stdout and "prog.py" not in report.stdout

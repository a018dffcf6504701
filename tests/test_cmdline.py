"""``covcore run`` behaves like ``python prog.py``, and the other commands work.

Every test runs covcore in a real subprocess, on every core.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import coverage
import pytest

import covcore
from conftest import run_covcore
from covcore import cores

#: The core covcore picks when none is asked for: sysmon on 3.12+, else ctrace.
DEFAULT_CORE = "sysmon" if sys.version_info >= (3, 12) else "ctrace"


def _lines(tmp_path: Path, filename: str, data_file: str = ".covcore") -> list[int]:
    data = covcore.CoverageData(str(tmp_path / data_file))
    data.read()
    return sorted(data.lines(str(tmp_path / filename)) or [])


def test_run_sets_argv_path_main_and_file(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("helper_mod.py", "VALUE = 'imported from path[0]'\n")
    make_file("prog.py", """\
        import os, sys
        import helper_mod
        print(sys.argv)
        print(sys.path[0] == os.path.dirname(os.path.abspath(__file__)))
        print(__name__, os.path.basename(__file__))
        print(helper_mod.VALUE)
        """)
    result = run_covcore(["run", "--core", core, "prog.py", "a", "-b", "--c"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "['prog.py', 'a', '-b', '--c']", "True", "__main__ prog.py", "imported from path[0]",
    ]
    assert _lines(tmp_path, "prog.py") == [1, 2, 3, 4, 5, 6]
    assert _lines(tmp_path, "helper_mod.py") == [1]


@pytest.mark.skipif(sys.version_info < (3, 12), reason="the sysmon core needs Python 3.12")
@pytest.mark.parametrize("branch", [False, True])
def test_the_program_starts_without_modules_covcore_does_not_need(
    tmp_path: Path, make_file: Any, branch: bool,
) -> None:
    # Each would add start-up time to every measured process; the program
    # imports them when it needs them, as under plain Python.  (Without
    # --source, the default file selection asks sysconfig for the standard
    # library's location, and sysconfig imports threading.)
    make_file("prog.py", """\
        import sys
        names = ["threading", "signal", "opcode", "configparser", "glob", "sqlite3", "datetime", "typing", "argparse",
                 "re", "fnmatch"]
        print(sorted(name for name in names if name in sys.modules))
        import threading, signal
        """)
    make_file(".covcorerc", "# nothing set\n")
    mode = ["--branch"] if branch else []
    result = run_covcore(["run", "--core", "sysmon", *mode, "--source", ".", "prog.py"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Branch mode's opcode tables are compiled in (ctracer/flowops.c): no opcode module.
    assert result.stdout == "[]\n"
    assert _lines(tmp_path, "prog.py") == [1, 2, 4, 5]


def test_a_file_named_like_a_parallel_data_file_costs_the_run_no_combining(
    core: str, tmp_path: Path, make_file: Any,
) -> None:
    # Only the parts of a run are combined at its end, and a part is a data
    # file: a settings file beside the data file, named after it, is not
    # looked into, and the run never imports the combining code.
    make_file("prog.py", "x = 1\n")
    make_file("data.rc", "[run]\nbranch = false\n")
    make_file("runner.py", f"""\
        import sys
        import covcore.cmdline
        status = covcore.cmdline.main(["run", "--core", "{core}", "--rcfile", "data.rc",
                                       "--data-file", "data", "prog.py"])
        print(status, "covcore.combine" in sys.modules)
        """)
    result = subprocess.run([sys.executable, "runner.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 False"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("data")) == ["data", "data.rc"]


@pytest.mark.parametrize("code, status", [("0", 0), ("3", 3), ("None", 0), ("'bye'", 1)])
def test_sys_exit_status_is_kept_and_data_saved(
    core: str, tmp_path: Path, make_file: Any, code: str, status: int,
) -> None:
    make_file("prog.py", f"""\
        import sys
        print("before")
        sys.exit({code})
        print("never")
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert result.returncode == status
    assert _lines(tmp_path, "prog.py") == [1, 2, 3]
    if code == "'bye'":
        assert result.stderr.strip() == "bye"


def test_uncaught_exception_prints_plain_traceback(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", """\
        def boom():
            raise ValueError("kaboom")

        boom()
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert "ValueError: kaboom" in result.stderr
    assert "covcore" not in result.stderr
    assert f'File "{tmp_path / "prog.py"}", line 4, in <module>' in result.stderr
    assert _lines(tmp_path, "prog.py") == [1, 2, 4]


def test_the_programs_globals_outlive_the_measurement(core: str, tmp_path: Path, make_file: Any) -> None:
    # Under plain Python a program's globals are finalized at interpreter exit.
    # A generator left unstarted in them (in a reference cycle with the
    # module's globals, through its frame) is closed then, after measuring
    # has stopped, so its close is not an arc; with the collector running
    # at every allocation, it would otherwise be closed while measuring.
    make_file("prog.py", """\
        import gc
        gc.set_threshold(1)
        lazy = (n for n in range(3))
        print("done")
        """)
    result = run_covcore(["run", "--core", core, "--branch", "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "done\n", "")
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert sorted(data.arcs(str(tmp_path / "prog.py")) or []) == [(-1, 1), (1, 2), (2, 3), (3, 4), (4, -1)]


def test_run_module_form(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("pkg/__init__.py", "")
    make_file("pkg/__main__.py", """\
        import sys
        print("main of", __package__, sys.argv[1:])
        """)
    make_file("pkg/tool.py", """\
        import sys
        if __name__ == "__main__":
            print("tool", sys.argv[1:])
        """)
    result = run_covcore(["run", "--core", core, "-m", "pkg.tool", "x"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "tool ['x']\n"
    assert _lines(tmp_path, "pkg/tool.py") == [1, 2, 3]
    result = run_covcore(["run", "--core", core, "-m", "pkg", "y"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "main of pkg ['y']\n"


def test_run_pytest_as_a_module(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("calc.py", """\
        def add(a, b):
            return a + b

        def sub(a, b):
            return a - b
        """)
    make_file("test_calc.py", """\
        from calc import add

        def test_add():
            assert add(2, 3) == 5
        """)
    result = run_covcore(["run", "--core", core, "--source", ".", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                         cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert _lines(tmp_path, "calc.py") == [1, 2, 4]


def test_default_measures_only_files_under_the_current_directory(
    core: str, tmp_path: Path, make_file: Any,
) -> None:
    make_file("prog.py", """\
        import json, os
        json.dumps({"a": 1})
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.measured_files() == {str(tmp_path / "prog.py")}


def test_source_package_reports_unexecuted_files(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("lib/pkg/__init__.py", "")
    make_file("lib/pkg/used.py", "def f():\n    return 1\n")
    make_file("lib/pkg/unused.py", "def g():\n    return 2\n")
    make_file("lib/pkg/sub/__init__.py", "")
    make_file("lib/pkg/sub/deep.py", "X = 1\n")
    make_file("lib/not_a_pkg/stray.py", "Y = 1\n")
    make_file("prog.py", """\
        import sys
        sys.path.insert(0, "lib")
        from pkg.used import f
        f()
        """)
    result = run_covcore(["run", "--core", core, "--source", "pkg", "prog.py"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    lib = tmp_path / "lib" / "pkg"
    assert data.measured_files() == {
        str(lib / "__init__.py"), str(lib / "used.py"), str(lib / "unused.py"),
        str(lib / "sub" / "__init__.py"), str(lib / "sub" / "deep.py"),
    }
    assert data.lines(str(lib / "unused.py")) == []
    assert sorted(data.lines(str(lib / "used.py")) or []) == [1, 2]


def test_source_dir_unexecuted_files_through_links(core: str, tmp_path: Path, make_file: Any) -> None:
    # A linked file counts under its real name; a linked directory is not
    # walked (as os.walk does not), nor are hidden ones and __pycache__.
    make_file("src/prog.py", "import mod\n")
    make_file("src/mod.py", "A = 1\n")
    make_file("src/pkg/__init__.py", "")
    make_file("src/.hidden/__init__.py", "")
    make_file("src/.hidden/h.py", "H = 1\n")
    make_file("src/__pycache__/__init__.py", "")
    make_file("elsewhere/target.py", "T = 1\n")
    make_file("elsewhere/pkg2/__init__.py", "")
    make_file("elsewhere/pkg2/inner.py", "I = 1\n")
    os.symlink(tmp_path / "elsewhere" / "target.py", tmp_path / "src" / "linked.py")
    os.symlink(tmp_path / "elsewhere" / "pkg2", tmp_path / "src" / "pkg2")
    result = run_covcore(["run", "--core", core, "--source", ".", "prog.py"], cwd=tmp_path / "src")
    assert result.returncode == 0, result.stderr
    data = covcore.CoverageData(str(tmp_path / "src" / ".covcore"))
    data.read()
    real = Path(os.path.realpath(tmp_path))
    assert data.measured_files() == {
        str(real / "src" / "prog.py"), str(real / "src" / "mod.py"),
        str(real / "src" / "pkg" / "__init__.py"), str(real / "elsewhere" / "target.py"),
    }


def test_include_and_omit_patterns(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("a/one.py", "A = 1\n")
    make_file("b/two.py", "B = 2\n")
    make_file("b/skip_me.py", "C = 3\n")
    make_file("prog.py", """\
        import sys
        sys.path[:0] = ["a", "b"]
        import one, two, skip_me
        """)
    result = run_covcore(["run", "--core", core, "--include", "*/b/*,*/a/*", "--omit", "*/skip_*", "prog.py"],
                         cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.measured_files() == {str(tmp_path / "a" / "one.py"), str(tmp_path / "b" / "two.py")}


def test_parallel_files_and_combine(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", """\
        import sys
        if sys.argv[1] == "a":
            print("a")
        else:
            print("b")
        """)
    for arg in "ab":
        result = run_covcore(["run", "--core", core, "-p", "prog.py", arg], cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    parallel = sorted(p.name for p in tmp_path.glob(".covcore.*"))
    assert len(parallel) == 2
    result = run_covcore(["combine"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.glob(".covcore.*"))
    assert _lines(tmp_path, "prog.py") == [1, 2, 3, 5]


def test_data_file_option_and_environment(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", "x = 1\n")
    assert run_covcore(["run", "--core", core, "--data-file", "mydata", "prog.py"], cwd=tmp_path).returncode == 0
    assert _lines(tmp_path, "prog.py", "mydata") == [1]
    env = {"COVCORE_FILE": str(tmp_path / "envdata")}
    assert run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path, env=env).returncode == 0
    assert _lines(tmp_path, "prog.py", "envdata") == [1]
    assert not (tmp_path / ".covcore").exists()


def test_core_from_environment_and_config(tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", "x = 1\n")
    run_covcore(["run", "prog.py"], cwd=tmp_path, env={"COVCORE_CORE": "pytrace"})
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.meta()["core"] == "pytrace"
    make_file(".covcorerc", "[run]\ncore = pytrace\n")
    run_covcore(["run", "prog.py"], cwd=tmp_path)
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.meta()["core"] == "pytrace"
    run_covcore(["run", "--timid", "prog.py"], cwd=tmp_path)
    (tmp_path / ".covcorerc").unlink()
    run_covcore(["run", "prog.py"], cwd=tmp_path)
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.meta()["core"] == DEFAULT_CORE


def test_report_shows_missing_ranges_and_total(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", """\
        def used():
            return 1

        def unused():
            a = 1
            b = 2
            return a + b

        used()
        if len(__name__) > 100:
            print("no")
        """)
    assert run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path).returncode == 0
    result = run_covcore(["report", "-m"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Name      Stmts   Miss  Cover   Missing",
        "---------------------------------------",
        "prog.py       9      4    56%   5-7, 11",
        "---------------------------------------",
        "TOTAL         9      4    56%",
    ]
    result = run_covcore(["report", "--fail-under", "60"], cwd=tmp_path)
    assert result.returncode == 2
    assert "Coverage failure: total of 56 is less than fail-under=60" in result.stdout
    assert run_covcore(["report", "--fail-under", "50"], cwd=tmp_path).returncode == 0


#: coverage.py 7.16 is the oracle on Python 3.10.
OLD_COVERAGE = coverage.version_info[:3] < (7, 17, 0)


def _program_with(statements: int, missed: int) -> str:
    """A program of `statements` statements of which `missed` never run."""
    lines = ["x = 0"] + ["if x:\n    y = 1"] * missed + ["z = 1"] * (statements - 1 - 2 * missed)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "statements, missed, fail_under, precision",
    [
        (200, 21, "90", 0),       # 89.5 rounds to 90: passes
        (200, 1, "100", 0),       # 99.5: 100 needs everything, shown as 99
        (2000, 209, "89.6", 0),   # the threshold's decimal counts: 89.5 < 89.6
        (2000, 209, "89.55", 1),  # 89.55 is counted to two decimals
        (400, 41, "89.8", 0),     # 89.75 rounds to 89.8: passes
        (400, 42, "90", 1),
    ],
)
def test_fail_under_same_as_coverage(
    tmp_path: Path, statements: int, missed: int, fail_under: str, precision: int
) -> None:
    """--fail-under's verdict and message are coverage.py's (7.18: the threshold's decimals count)."""
    if "." in fail_under and OLD_COVERAGE:
        pytest.skip("coverage.py 7.16 counts only --precision decimals")
    (tmp_path / "prog.py").write_text(_program_with(statements, missed))
    subprocess.run([sys.executable, "-m", "coverage", "run", "prog.py"], cwd=tmp_path, check=True)
    assert run_covcore(["run", "prog.py"], cwd=tmp_path).returncode == 0
    args = ["report", f"--fail-under={fail_under}", f"--precision={precision}"]
    theirs = subprocess.run([sys.executable, "-m", "coverage", *args], cwd=tmp_path, capture_output=True, text=True)
    ours = run_covcore(args, cwd=tmp_path)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)


def test_json_report(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", "a = 1\nif a:\n    b = 2\nelse:\n    b = 3\n")
    assert run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path).returncode == 0
    result = run_covcore(["json", "-o", "out.json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["meta"]["format"] == 3
    entry = report["files"]["prog.py"]
    assert entry["executed_lines"] == [1, 2, 3]
    assert entry["missing_lines"] == [5]
    assert report["totals"]["percent_covered"] == pytest.approx(75.0)


def test_erase_removes_data(tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", "x = 1\n")
    run_covcore(["run", "prog.py"], cwd=tmp_path)
    run_covcore(["run", "-p", "prog.py"], cwd=tmp_path)
    assert (tmp_path / ".covcore").exists() and list(tmp_path.glob(".covcore.*"))
    assert run_covcore(["erase"], cwd=tmp_path).returncode == 0
    assert not (tmp_path / ".covcore").exists() and not list(tmp_path.glob(".covcore.*"))


def test_a_new_run_replaces_old_data_unless_appending(tmp_path: Path, make_file: Any) -> None:
    make_file("one.py", "x = 1\n")
    make_file("two.py", "y = 2\n")
    run_covcore(["run", "one.py"], cwd=tmp_path)
    run_covcore(["run", "two.py"], cwd=tmp_path)
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.measured_files() == {str(tmp_path / "two.py")}
    run_covcore(["run", "--append", "one.py"], cwd=tmp_path)
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert data.measured_files() == {str(tmp_path / "one.py"), str(tmp_path / "two.py")}


def test_debug_sys_and_version(tmp_path: Path) -> None:
    result = run_covcore(["debug", "sys"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"available cores: {', '.join(cores.available_cores())}" in result.stdout
    assert f"chosen core: {DEFAULT_CORE} (the default" in result.stdout
    assert "_ctracer" in result.stdout
    result = run_covcore(["--version"], cwd=tmp_path)
    assert result.stdout.startswith(f"covcore {covcore.__version__} with C extension ")


# -- Bad input: one clear line, a non-zero status, no traceback --

def _one_clear_error(result: Any, text: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"covcore: {text}"]


def test_missing_script(tmp_path: Path) -> None:
    _one_clear_error(run_covcore(["run", "nope.py"], cwd=tmp_path), "No file to run: 'nope.py'")


def test_missing_module(tmp_path: Path) -> None:
    _one_clear_error(run_covcore(["run", "-m", "no_such_mod"], cwd=tmp_path), "No module named no_such_mod")


def test_script_with_a_syntax_error(core: str, tmp_path: Path, make_file: Any) -> None:
    make_file("bad.py", "x = 1\ndef (:\n")
    result = run_covcore(["run", "--core", core, "bad.py"], cwd=tmp_path)
    assert result.returncode == 1
    assert "SyntaxError" in result.stderr
    assert "Traceback" not in result.stderr and "covcore" not in result.stderr
    assert f'File "{tmp_path / "bad.py"}", line 2' in result.stderr


def test_unknown_core(tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", "x = 1\n")
    _one_clear_error(
        run_covcore(["run", "--core", "turbo", "prog.py"], cwd=tmp_path),
        "Unknown core 'turbo' (from --core): choose one of sysmon, ctrace, pytrace",
    )
    assert not (tmp_path / ".covcore").exists()


def test_unwritable_data_file(tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", "print('ran')\n")
    make_file("plain", "a file, not a directory\n")
    result = run_covcore(["run", "--data-file", "plain/.covcore", "prog.py"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"covcore: Couldn't erase data file '{tmp_path}/plain/.covcore': Not a directory"
    ]


def test_corrupt_data_file_at_report_time(tmp_path: Path) -> None:
    (tmp_path / ".covcore").write_bytes(b"this is not a database" * 100)
    result = run_covcore(["report"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("covcore: Couldn't read data from ")
    assert (tmp_path / ".covcore").read_bytes() == b"this is not a database" * 100


def test_report_without_data(tmp_path: Path) -> None:
    _one_clear_error(run_covcore(["report"], cwd=tmp_path), "No data to report.")


def test_broken_config_file(tmp_path: Path, make_file: Any) -> None:
    make_file("prog.py", "x = 1\n")
    make_file(".covcorerc", "[run]\nbranch = maybe\n")
    result = run_covcore(["run", "prog.py"], cwd=tmp_path)
    _one_clear_error(result, ".covcorerc: [run] branch: 'maybe' is not a boolean (true or false)")


def test_python_dash_m_covcore_is_the_cli(tmp_path: Path) -> None:
    result = run_covcore(["--help"], cwd=tmp_path)
    assert result.returncode == 0
    assert "run" in result.stdout and "report" in result.stdout


def test_run_never_erases_another_tools_data_file(tmp_path: Path, make_file: Any) -> None:
    # A config or command line that names coverage.py's data file: covcore
    # says it can't write there before running the program (which would be
    # measured for nothing), and coverage.py's data is still intact.
    make_file("prog.py", """\
        print("hello")
        """)
    oracle = subprocess.run([sys.executable, "-m", "coverage", "run", "prog.py"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert oracle.returncode == 0, oracle.stderr
    before = (tmp_path / ".coverage").read_bytes()
    result = run_covcore(["run", "--data-file", ".coverage", "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"covcore: Couldn't write data to '{tmp_path / '.coverage'}': it isn't a covcore data file"
    ]
    assert (tmp_path / ".coverage").read_bytes() == before
    report = subprocess.run([sys.executable, "-m", "coverage", "report", "--format=total"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert (report.returncode, report.stdout) == (0, "100\n")


# Command lines read by cmdline's quick reader of `covcore run` (its plain
# forms), then ones it leaves to argparse; both must give what argparse gives.
QUICK_RUN_LINES = [
    ["run", "prog.py"],
    ["run"],
    ["run", "--branch", "--source", "src,lib", "--data-file", "d.cov", "prog.py", "a", "-b", "--c"],
    ["run", "--rcfile=ci.cfg", "--core=sysmon", "--source=", "--omit", "*/t/*", "-p", "-a", "x.py"],
    ["run", "--timid", "--parallel", "--append", "--subprocess", "--context", "ctx", "--include", "a/*", "p.py"],
    ["run", "-m", "pkg.mod", "--branch", "-m"],
    ["run", "--module", "--concurrency", "thread,multiprocessing", "pkg"],
    ["run", "--source", "a", "--source", "b", "prog.py"],
    ["run", "", "--branch"],
    ["run", "--source", "", "prog.py"],
    ["run", "prog.py", "-h"],
]
ARGPARSE_RUN_LINES = [
    ["run", "--", "prog.py"],
    ["run", "prog.py", "--", "x"],
    ["run", "-pa", "prog.py"],
    ["run", "--context", "-1", "prog.py"],
    ["run", "-", "prog.py"],
    ["run", "--branch=yes", "prog.py"],
]


@pytest.mark.parametrize("words", QUICK_RUN_LINES + ARGPARSE_RUN_LINES, ids=" ".join)
def test_quick_run_command_line_reading_agrees_with_argparse(words: list[str]) -> None:
    from covcore import cmdline

    quick = cmdline._quick_run_args(words)
    if words in QUICK_RUN_LINES:
        assert quick is not None
        assert vars(quick) == vars(cmdline._parser("run").parse_args(words))
    else:
        assert quick is None


@pytest.mark.parametrize("words", [["run", "--sorce", "x", "prog.py"], ["run", "--source"], ["run", "-h"]])
def test_run_command_lines_quick_reading_leaves_to_argparse(tmp_path: Path, words: list[str]) -> None:
    result = run_covcore(words, cwd=tmp_path)
    if words[-1] == "-h":
        assert result.returncode == 0 and result.stdout.startswith("usage: covcore run [-h]")
    else:
        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr.startswith("usage: covcore") and "error:" in result.stderr

"""Bad input: programs that can't run, unknown options and values, data files
that are corrupt, empty, truncated, another tool's or locked, and sources
that changed, went away or aren't text by report time.

Each case is a real ``python -m covcore`` process; each must end with its
exit status, one clear line on stderr naming the problem (never a
traceback), and the data saved before still readable and complete.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_covcore
from fault_helpers import SAVED_LINES, one_line, plain_python, quiet, save_some_data, still_saved, write
from proc_helpers import measured, parallel_files

PROG = "print('ran')\n"


# Programs that can't run -------------------------------------------------------------------------

@pytest.mark.parametrize("program, message", [
    (["nosuch.py"], "No file to run: 'nosuch.py'"),
    (["adir"], "Can't find '__main__' module in 'adir'"),
    (["-m", "nosuchmodule"], "No module named nosuchmodule"),
    ([], "Nothing to do"),
])
def test_a_program_that_is_not_there_stops_before_measuring(
    tmp_path: Path, core: str, program: list[str], message: str,
) -> None:
    save_some_data(tmp_path, core)
    (tmp_path / "adir").mkdir()
    result = run_covcore(["run", "-a", "--core", core, *program], cwd=tmp_path)
    one_line(result, 1, "covcore: ", message)
    still_saved(tmp_path)


@pytest.mark.parametrize("text", [
    b"\x7fELF\x02\x01\x01\x00\x00\x00binary",       # a binary, null bytes and all
    b"#!/bin/sh\necho 'not python' && exit 3\n",     # another language
    b"def broken(:\n    pass\n",                     # a syntax error
    b"x = 1\n\xff\xfe = 2\n",                        # not UTF-8, no coding line
])
def test_a_program_python_cannot_compile_is_refused_as_python_refuses_it(
    tmp_path: Path, core: str, text: bytes,
) -> None:
    save_some_data(tmp_path, core)
    (tmp_path / "prog.py").write_bytes(text)
    plain = plain_python("prog.py", tmp_path)
    result = run_covcore(["run", "-a", "--core", core, "prog.py"], cwd=tmp_path)
    assert result.returncode == plain.returncode == 1
    assert "Traceback" not in result.stderr
    # Python's own words for it, the problem named on the last line.
    assert result.stderr.splitlines()[-1].startswith("SyntaxError: ")
    assert result.stderr.splitlines()[-1].split(":")[0] == plain.stderr.splitlines()[-1].split(":")[0]
    still_saved(tmp_path)


# Unknown options, cores and values ---------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["run", "--bogus", "prog.py"], "unrecognized arguments: --bogus"),
    (["run", "--branch=yes", "prog.py"], "ignored explicit argument 'yes'"),
    (["nosuchcommand"], "invalid choice: 'nosuchcommand'"),
    (["report", "--bogus"], "unrecognized arguments: --bogus"),
    (["report", "--precision", "x"], "invalid int value: 'x'"),
    (["report", "--fail-under", "nan"], "--fail-under"),
    (["report", "--fail-under", "101"], "--fail-under"),
    (["html", "--fail-under", "-5"], "--fail-under"),
    (["lcov", "--format", "nope"], "invalid choice: 'nope'"),
    (["export", "--format", "nope"], "invalid choice: 'nope'"),
    (["debug", "nope"], "invalid choice: 'nope'"),
    (["debug"], "the following arguments are required: topic"),
])
def test_a_command_line_argparse_refuses_says_usage_and_one_error(
    tmp_path: Path, args: list[str], message: str,
) -> None:
    save_some_data(tmp_path)
    write(tmp_path / "prog.py", PROG)
    result = run_covcore(args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    # argparse's usage lines, then one line naming the problem.
    assert lines[0].startswith("usage: covcore")
    assert all(line.startswith(" ") for line in lines[1:-1]), lines
    assert lines[-1].startswith("covcore") and ": error: " in lines[-1] and message in lines[-1], lines[-1]
    still_saved(tmp_path)


@pytest.mark.parametrize("args, env, message", [
    (["run", "--core", "nope", "prog.py"], {}, "Unknown core 'nope' (from --core)"),
    (["run", "prog.py"], {"COVCORE_CORE": "nope"}, "Unknown core 'nope'"),
    (["run", "--concurrency", "fibers", "prog.py"], {}, "unknown concurrency fibers"),
    (["run", "--rcfile", "nosuch.toml", "prog.py"], {}, "nosuch.toml"),
    (["report", "--sort", "nope"], {}, "nope"),
    (["report", "--format", "nope"], {}, "nope"),
    (["report", "--contexts", "("], {}, "("),
    (["report", "--diff", "no-such-revision"], {}, "no-such-revision"),
    (["combine", "nosuchdir"], {}, "nosuchdir"),
])
def test_a_value_covcore_refuses_is_one_line_and_the_program_does_not_run(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str,
) -> None:
    save_some_data(tmp_path)
    write(tmp_path / "prog.py", PROG)
    result = run_covcore(args, cwd=tmp_path, env=env)
    one_line(result, 1, "covcore: ", message)
    assert "ran" not in result.stdout
    still_saved(tmp_path)


# Data files that aren't good covcore data ----------------------------------------------------------

def _bad_data(tmp_path: Path, kind: str) -> bytes:
    """Make `.covcore` a bad data file of `kind`; returns its bytes."""
    path = tmp_path / ".covcore"
    if kind == "corrupt":
        path.write_bytes(b"SQLite format 3\x00" + b"\xa5" * 4080)
    elif kind == "garbage":
        path.write_bytes(b"these are not the data you are looking for\n" * 20)
    elif kind == "truncated":
        save_some_data(tmp_path)
        path.write_bytes(path.read_bytes()[:1000])
    elif kind in ("foreign-schema", "another-database"):
        with sqlite3.connect(path) as con:
            if kind == "foreign-schema":
                con.execute("PRAGMA application_id = 1131376451")   # covcore's, a future schema
                con.execute("PRAGMA user_version = 99")
            con.execute("CREATE TABLE file (id INTEGER PRIMARY KEY, path TEXT)")
            con.execute("INSERT INTO file (path) VALUES ('x.py')")
        con.close()
    elif kind == "coverage.py":
        write(tmp_path / "cov.py", "a = 1\n")
        subprocess.run([sys.executable, "-m", "coverage", "run", "--data-file", str(path), "cov.py"],
                       cwd=tmp_path, check=True, capture_output=True)
    return path.read_bytes()


BAD_KINDS = ["corrupt", "garbage", "truncated", "foreign-schema", "another-database", "coverage.py"]


@pytest.mark.parametrize("kind", BAD_KINDS)
@pytest.mark.parametrize("command", ["report", "html", "json", "xml", "lcov", "export -o out.db", "debug data"])
def test_a_bad_data_file_is_one_line_when_reporting(tmp_path: Path, kind: str, command: str) -> None:
    before = _bad_data(tmp_path, kind)
    result = run_covcore(command.split(), cwd=tmp_path)
    one_line(result, 1, "covcore: ", "Couldn't read data from", ".covcore")
    assert (tmp_path / ".covcore").read_bytes() == before
    assert not {"htmlcov", "coverage.json", "coverage.xml", "coverage.lcov", "out.db"} & set(os.listdir(tmp_path))


# Without -a, covcore's own file cut short is replaced by the new run (a test below).
@pytest.mark.parametrize("kind, append", [
    (kind, append) for kind in BAD_KINDS for append in (False, True) if append or kind != "truncated"
])
def test_a_bad_data_file_is_refused_before_the_run_and_kept(tmp_path: Path, core: str, kind: str,
                                                             append: bool) -> None:
    before = _bad_data(tmp_path, kind)
    write(tmp_path / "prog.py", PROG)
    result = run_covcore(["run", *(["-a"] if append else []), "--core", core, "prog.py"], cwd=tmp_path)
    one_line(result, 1, "covcore: ", ".covcore", "it isn't a covcore data file" if not append else "")
    assert result.stdout == ""      # not measured for nothing
    assert (tmp_path / ".covcore").read_bytes() == before


@pytest.mark.parametrize("kind", [kind for kind in BAD_KINDS if kind != "coverage.py"])   # that one combines
def test_combine_keeps_a_bad_parallel_file_and_combines_the_rest(tmp_path: Path, kind: str) -> None:
    before = _bad_data(tmp_path, kind)
    (tmp_path / ".covcore").rename(tmp_path / ".covcore.bad")
    save_some_data(tmp_path, data_file=".covcore.good")
    # The failure is the exit status and one line; the good file is combined.
    result = run_covcore(["combine", "-q"], cwd=tmp_path)
    one_line(result, 1, "covcore: Couldn't read data from", ".covcore.bad", "kept and not combined")
    assert (tmp_path / ".covcore.bad").read_bytes() == before
    assert not (tmp_path / ".covcore.good").exists()
    still_saved(tmp_path)


def test_a_truncated_data_file_of_covcore_s_is_replaced_by_a_new_run(tmp_path: Path, core: str) -> None:
    _bad_data(tmp_path, "truncated")
    write(tmp_path / "prog.py", PROG)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "ran\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": [1]}


def test_an_empty_data_file_is_no_data_and_a_run_fills_it(tmp_path: Path, core: str) -> None:
    (tmp_path / ".covcore").write_bytes(b"")
    one_line(run_covcore(["report"], cwd=tmp_path), 1, "covcore: No data to report.")
    write(tmp_path / "prog.py", PROG)
    quiet(run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path))
    assert measured(tmp_path / ".covcore") == {"prog.py": [1]}


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding SQLite's exclusive lock on `path` for `seconds`; returns once it holds it."""
    code = (
        "import sqlite3, sys, time\n"
        "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "con.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "con.execute('COMMIT')\n"
    )
    locker = subprocess.Popen([sys.executable, "-c", code, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert locker.stdout is not None and locker.stdout.readline() == "locked\n"
    locker.stdout.close()
    return locker


def test_a_data_file_locked_while_the_run_ends_is_saved_once_the_lock_goes(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core)
    # The wait is on one line: whether it waits at all (a race with the
    # test's "go") changes no measured line.
    write(tmp_path / "prog.py", """\
        import sys, time
        while not open("go").read(): time.sleep(0.01)
        print("ran")
        """)
    (tmp_path / "go").write_text("")
    run = subprocess.Popen([sys.executable, "-m", "covcore", "run", "-a", "--core", core, "prog.py"],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    locker = _hold_lock(tmp_path / ".covcore", 1.5)
    (tmp_path / "go").write_text("go")          # the run ends while the file is locked
    out, err = run.communicate(timeout=120)
    assert locker.wait(timeout=60) == 0
    assert (run.returncode, out, err) == (0, "ran\n", "")
    still_saved(tmp_path, extra={"prog.py": [1, 2, 3]})


@pytest.mark.parametrize("command", ["report", "html", "json", "xml", "lcov", "combine"])
def test_a_data_file_locked_while_reporting_is_read_once_the_lock_goes(tmp_path: Path, command: str) -> None:
    save_some_data(tmp_path)
    if command == "combine":
        save_some_data(tmp_path, data_file=".covcore.other")
    locker = _hold_lock(tmp_path / ".covcore", 1.0)
    result = run_covcore([command], cwd=tmp_path)
    assert locker.wait(timeout=60) == 0
    assert (result.returncode, result.stderr) == (0, "")
    if command == "report":
        assert "saved.py" in result.stdout
    still_saved(tmp_path)


# covcore with SQLite's busy timeout (covcore.data.BUSY_TIMEOUT, 60 s) lowered
# to half a second, so a lock held past it takes no minute to test.
_SHORT_BUSY_TIMEOUT = (
    "import sys\n"
    "import covcore.data\n"
    "covcore.data.BUSY_TIMEOUT = 0.5\n"
    "from covcore.cmdline import entry_point\n"
    "entry_point()\n"
)


def _covcore_impatient(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("COVCORE_CORE", None)
    env.pop("COVCORE_FILE", None)
    return subprocess.Popen([sys.executable, "-c", _SHORT_BUSY_TIMEOUT, *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finished(proc: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_a_data_file_locked_past_the_busy_timeout_as_the_run_ends_keeps_the_run_aside(
    tmp_path: Path, core: str,
) -> None:
    save_some_data(tmp_path, core)
    # The program says it runs (so covcore has read the data file it
    # appends to), then waits for the test's "go".
    write(tmp_path / "prog.py", """\
        import sys, time
        open("started", "w").close()
        while not open("go").read(): time.sleep(0.01)
        print("ran")
        """)
    (tmp_path / "go").write_text("")
    run = _covcore_impatient(["run", "-a", "--core", core, "prog.py"], tmp_path)
    while not (tmp_path / "started").exists():
        assert run.poll() is None, run.communicate()
        time.sleep(0.01)
    locker = _hold_lock(tmp_path / ".covcore", 60)
    try:
        (tmp_path / "go").write_text("go")      # the run ends while the file is locked
        result = _finished(run)
    finally:
        locker.kill()
        locker.wait()
    assert result.stdout == "ran\n", (result.stdout, result.stderr)
    line = one_line(result, 1, "covcore: Couldn't write data to", ".covcore'", "locked for 0.5 s",
                    "combine --append")
    [aside] = parallel_files(tmp_path)
    assert f"saved to '{aside}' instead" in line
    # The run appended: it had read the data file, so its side file holds both.
    assert measured(aside) == {**SAVED_LINES, "prog.py": [1, 2, 3, 4]}
    assert measured(tmp_path / ".covcore") == SAVED_LINES     # the locked file, untouched
    quiet(run_covcore(["combine", "--append", "-q"], cwd=tmp_path))
    still_saved(tmp_path, extra={"prog.py": [1, 2, 3, 4]})
    assert parallel_files(tmp_path) == []


@pytest.mark.parametrize("command", ["report", "html", "json", "xml", "lcov", "combine"])
def test_a_data_file_locked_past_the_busy_timeout_while_reporting_is_one_line(
    tmp_path: Path, command: str,
) -> None:
    save_some_data(tmp_path)
    if command == "combine":
        save_some_data(tmp_path, data_file=".covcore.other")
    locker = _hold_lock(tmp_path / ".covcore", 60)
    try:
        result = _finished(_covcore_impatient([command], tmp_path))
    finally:
        locker.kill()
        locker.wait()
    verb = "write data to" if command == "combine" else "read data from"
    one_line(result, 1, f"covcore: Couldn't {verb}", ".covcore'", "another process held it locked for 0.5 s")
    assert not (tmp_path / "htmlcov").exists()
    if command == "combine":
        # Nothing combined is deleted until the combined data is written.
        assert measured(tmp_path / ".covcore.other") == SAVED_LINES
    still_saved(tmp_path)


@pytest.mark.parametrize("append", [False, True])
def test_a_directory_as_the_data_file_is_refused_before_the_run(tmp_path: Path, core: str, append: bool) -> None:
    (tmp_path / "data").mkdir()
    write(tmp_path / "prog.py", PROG)
    result = run_covcore(["run", *(["-a"] if append else []), "--core", core, "--data-file", "data", "prog.py"],
                         cwd=tmp_path)
    one_line(result, 1, "covcore: ", f"'{tmp_path / 'data'}'")
    assert result.stdout == ""      # not measured for nothing
    report = run_covcore(["report", "--data-file", "data"], cwd=tmp_path)
    one_line(report, 1, "covcore: Couldn't read data from", f"'{tmp_path / 'data'}'")
    erase = run_covcore(["erase", "--data-file", "data"], cwd=tmp_path)
    assert erase.returncode == 0 and (tmp_path / "data").is_dir()


def test_a_data_file_whose_directory_the_program_deletes_is_saved_there_again(tmp_path: Path, core: str) -> None:
    (tmp_path / "data").mkdir()
    write(tmp_path / "prog.py", """\
        import shutil
        shutil.rmtree("data")
        print("gone")
        """)
    result = run_covcore(["run", "--core", core, "--data-file", "data/x", "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "gone\n", "")
    assert measured(tmp_path / "data" / "x") == {"prog.py": [1, 2, 3]}


def test_a_data_file_the_program_deletes_is_written_afresh(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core)
    write(tmp_path / "prog.py", """\
        import os
        os.remove(".covcore")
        print("deleted")
        """)
    result = run_covcore(["run", "-a", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "deleted\n", "")
    # -a read the saved data at the start: nothing is lost.
    still_saved(tmp_path, extra={"prog.py": [1, 2, 3]})


# Sources at report time --------------------------------------------------------------------------

REPORTS = [["report"], ["html", "-q"], ["json", "-q"], ["xml", "-q"], ["lcov", "-q"]]


def _measure_mod(tmp_path: Path, core: str) -> None:
    write(tmp_path / "prog.py", "import mod\nmod.f()\n")
    write(tmp_path / "mod.py", "".join(f"def f{i}():\n    return {i}\n" for i in range(10)) + "def f():\n    return 0\n")
    quiet(run_covcore(["run", "--branch", "--core", core, "prog.py"], cwd=tmp_path))


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r[0])
def test_a_source_shorter_or_changed_since_the_run_still_reports(tmp_path: Path, core: str,
                                                                  report: list[str]) -> None:
    _measure_mod(tmp_path, core)
    # Two lines, where 22 were measured, and a string that isn't UTF-8 (read as
    # coverage.py reads it, bad bytes replaced).
    (tmp_path / "mod.py").write_bytes(b"if True:\n    x = '\xff\xfe'\n")
    result = run_covcore(report, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    text = run_covcore(["report", "-m"], cwd=tmp_path)
    assert "mod.py" in text.stdout and "prog.py" in text.stdout


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r[0])
@pytest.mark.parametrize("kind, message", [
    ("deleted", "No source for code: '{mod}'"),
    ("not-utf8", "Couldn't parse '{mod}' as Python source"),
    ("binary", "Couldn't parse '{mod}' as Python source"),
    ("directory", "No source for code: '{mod}'"),
])
def test_a_source_gone_bad_since_the_run_is_one_line_and_ignored_with_i(
    tmp_path: Path, core: str, report: list[str], kind: str, message: str,
) -> None:
    _measure_mod(tmp_path, core)
    mod = tmp_path / "mod.py"
    if kind == "deleted":
        mod.unlink()
    elif kind == "not-utf8":
        mod.write_bytes(b"def f():\n    \xff\xfe = 1\n")
    elif kind == "binary":
        mod.write_bytes(bytes(range(256)) * 4)
    else:
        mod.unlink()
        mod.mkdir()
    one_line(run_covcore(report, cwd=tmp_path), 1, "covcore: ", message.format(mod=mod))
    # -i: the file is left out with one warning, the rest reported.
    one_line(run_covcore([*report, "-i"], cwd=tmp_path), 0, "covcore: warning: ", str(mod))
    assert sorted(measured(tmp_path / ".covcore")) == ["mod.py", "prog.py"]    # the data is kept


def test_a_symlink_loop_under_source_ends_and_reports_each_file_once(tmp_path: Path, core: str) -> None:
    write(tmp_path / "pkg" / "__init__.py", "")
    write(tmp_path / "pkg" / "used.py", "x = 1\n")
    write(tmp_path / "pkg" / "sub" / "__init__.py", "")
    write(tmp_path / "pkg" / "sub" / "unused.py", "y = 2\n")
    (tmp_path / "pkg" / "loop").symlink_to("loop")                 # points at itself
    (tmp_path / "pkg" / "sub" / "up").symlink_to("..")             # back to pkg
    (tmp_path / "pkg" / "self").symlink_to(".")
    (tmp_path / "pkg" / "a").symlink_to("b")                       # a -> b -> a
    (tmp_path / "pkg" / "b").symlink_to("a")
    write(tmp_path / "prog.py", "import pkg.used\n")
    result = run_covcore(["run", "--source", "pkg", "--core", core, "prog.py"], cwd=tmp_path)
    quiet(result)
    report = run_covcore(["report"], cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    names = [line.split()[0] for line in report.stdout.splitlines()[2:-2]]
    assert names == [os.path.join("pkg", "__init__.py"), os.path.join("pkg", "sub", "__init__.py"),
                     os.path.join("pkg", "sub", "unused.py"), os.path.join("pkg", "used.py")]


def test_a_refused_report_keeps_the_parallel_data_it_combined(tmp_path: Path) -> None:
    # The parallel files of a run that is combined later are data too.
    save_some_data(tmp_path, data_file=".covcore.host.1")
    shutil.copy(tmp_path / ".covcore.host.1", tmp_path / ".covcore.host.2")
    result = run_covcore(["report", "--sort", "nope"], cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    # The report combined them first, as coverage.py's does: into the data file.
    assert measured(tmp_path / ".covcore") == SAVED_LINES
    assert not list(tmp_path.glob(".covcore.host.*"))

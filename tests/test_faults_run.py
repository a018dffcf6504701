"""Faults in the measured program and its world, on every core: a program that
changes directory, closes its standard streams, turns tracing off, frees the
sys.monitoring tool ids, dies of a signal or os._exit (itself or a worker),
recurses or nests very deep, starts thousands of threads or code objects;
a read-only or full disk; many runs and combines at once.

Each case is a real ``covcore run``: the program behaves as under plain
Python, covcore says at most one clear line, and the data saved (before, or
by the other processes) is still readable and complete.  Lines marked
``# R`` must be measured.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run_covcore
from fault_helpers import SAVED_LINES, one_line, plain_python, quiet, save_some_data, still_saved, write
from proc_helpers import marked, measured, parallel_files

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals, fds and mounts are tested on POSIX")


def _run_like_python(tmp_path: Path, core: str, args: list[str] | None = None,
                     prog: str = "prog.py") -> subprocess.CompletedProcess[str]:
    """covcore run `prog` (-a: on top of saved data); its status and output must be plain Python's."""
    plain = plain_python(prog, tmp_path)
    result = run_covcore(["run", "-a", "--core", core, *(args or []), prog], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    return result


# The program changes its world -------------------------------------------------------------------

def test_a_program_that_changes_directory_saves_where_it_started(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core)
    prog = write(tmp_path / "prog.py", """\
        import os                                       # R
        os.mkdir("elsewhere")                           # R
        os.chdir("elsewhere")                           # R
        def after():                                    # R
            return os.getcwd()                          # R
        print(os.path.basename(after()))                # R
        """)
    plain = plain_python("prog.py", tmp_path)
    os.rmdir(tmp_path / "elsewhere")
    result = run_covcore(["run", "-a", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, plain.stdout, "")
    assert not (tmp_path / "elsewhere" / ".covcore").exists()
    still_saved(tmp_path, extra={"prog.py": marked(prog)})


def test_a_program_that_closes_fds_0_1_2_is_measured(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core)
    prog = write(tmp_path / "prog.py", """\
        import os, sys                                  # R
        for fd in (0, 1, 2):                            # R
            os.close(fd)                                # R
        def after():                                    # R
            return 3                                    # R
        after()                                         # R
        """)
    result = run_covcore(["run", "-a", "--core", core, "prog.py"], cwd=tmp_path)
    # Python itself can't flush sys.stdout at exit: status 120, as plain Python.
    plain = plain_python("prog.py", tmp_path)
    assert (result.returncode, result.stdout) == (plain.returncode, "")
    assert "Traceback" not in result.stderr and "covcore" not in result.stderr
    still_saved(tmp_path, extra={"prog.py": marked(prog)})


def test_a_program_that_turns_tracing_off_keeps_what_ran_before(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core)
    prog = write(tmp_path / "prog.py", """\
        import sys, threading                           # R
        def before():                                   # R
            return 1                                    # R
        before()                                        # R
        sys.settrace(None)                              # R
        sys.setprofile(None)
        threading.settrace(None)
        threading.setprofile(None)
        def after():
            return 2
        print(after())
        """)
    _run_like_python(tmp_path, core)
    lines = measured(tmp_path / ".covcore")["prog.py"]
    # What ran before is kept; what runs after is measured or not, as the core can.
    assert set(marked(prog)) <= set(lines)
    assert set(SAVED_LINES["saved.py"]) == set(measured(tmp_path / ".covcore")["saved.py"])


@pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring needs Python 3.12")
def test_a_program_that_frees_every_monitoring_tool_id_never_sees_covcore(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core)
    prog = write(tmp_path / "prog.py", """\
        import sys                                      # R
        freed = []                                      # R
        for tool in range(6):                           # R
            try:                                        # R
                sys.monitoring.free_tool_id(tool)       # R
                freed.append(tool)                      # R
            except ValueError:                          # R
                pass                                    # R
        def after(n):                                   # R
            return n + 1                                # R
        print(after(1), sys.monitoring.get_tool(3))     # R
        sys.monitoring.use_tool_id(3, "mine")           # R
        print(sys.monitoring.get_tool(3))               # R
        """)
    result = run_covcore(["run", "-a", "--core", core, "prog.py"], cwd=tmp_path)
    if core == "sysmon":
        # It held one of the ids: measurement stops there, said in one warning line.
        one_line(result, 0, "covcore: warning: ", "freed the sys.monitoring tool id")
    else:
        quiet(result)
    assert result.stdout == "2 None\nmine\n"
    lines = measured(tmp_path / ".covcore")["prog.py"]
    # sysmon loses what runs after its tool id is freed: the lines before it are kept.
    assert set(lines) <= set(marked(prog)) and {1, 2, 3} <= set(lines)
    assert set(measured(tmp_path / ".covcore")["saved.py"]) == set(SAVED_LINES["saved.py"])


# Death by signal or os._exit -----------------------------------------------------------------------

DEATHS = {
    "SIGKILL": "os.kill(os.getpid(), signal.SIGKILL)",
    "SIGTERM": "os.kill(os.getpid(), signal.SIGTERM)",
    # Python keeps SIGINT ignored when it starts with it ignored (a test run
    # started in the background by a shell): the program puts back the
    # handler an interactive start gives it, so that it dies as expected.
    "SIGINT": "signal.signal(signal.SIGINT, signal.default_int_handler); os.kill(os.getpid(), signal.SIGINT)",
    "os._exit": "os._exit(7)",
}
STATUS = {"SIGKILL": -signal.SIGKILL, "SIGTERM": -signal.SIGTERM, "SIGINT": -signal.SIGINT, "os._exit": 7}


@pytest.mark.parametrize("death", list(DEATHS))
def test_a_program_that_dies_keeps_the_data_saved_before(tmp_path: Path, core: str, death: str) -> None:
    save_some_data(tmp_path, core)
    prog = write(tmp_path / "prog.py", f"""\
        import os, signal                               # R
        def before():                                   # R
            return 1                                    # R
        before()                                        # R
        {DEATHS[death]}                                 # R
        print("not reached")
        """)
    result = run_covcore(["run", "-a", "--core", core, "prog.py"], cwd=tmp_path)
    plain = plain_python("prog.py", tmp_path)
    # As plain Python ends: the status, and KeyboardInterrupt's own traceback for SIGINT.
    assert (result.returncode, result.stdout, result.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert result.returncode == STATUS[death]
    # SIGKILL can't be caught: the run's own lines are lost, never the saved data.
    still_saved(tmp_path, extra={} if death == "SIGKILL" else {"prog.py": marked(prog)})


WORKER = """\
import multiprocessing, os, signal, sys          # R
def good():                                      # R
    return "good"                                # R G
def bad():                                       # R
    x = "bad"                                    # B
    {death}                                      # B
    print("not reached")
def main():                                      # R
    ctx = multiprocessing.get_context("{method}")  # R
    workers = [ctx.Process(target=good), ctx.Process(target=bad), ctx.Process(target=good)]  # R
    for w in workers:                            # R
        w.start()                                # R
    for w in workers:                            # R
        w.join()                                 # R
    print([w.exitcode for w in workers])         # R
if __name__ == "__main__":                       # R
    main()                                       # R
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
@pytest.mark.parametrize("death", list(DEATHS))
def test_a_worker_that_dies_loses_nothing_the_other_processes_saved(
    tmp_path: Path, core: str, death: str, method: str,
) -> None:
    save_some_data(tmp_path, core)
    prog = write(tmp_path / "prog.py", WORKER.format(death=DEATHS[death], method=method))
    result = run_covcore(["run", "-p", "--core", core, "prog.py"], cwd=tmp_path)
    # The workers' exit codes, as under plain Python (SIGINT: multiprocessing's 1).
    status = 1 if death == "SIGINT" else STATUS[death]
    assert (result.returncode, result.stdout) == (0, f"[0, {status}, 0]\n")
    assert "covcore" not in result.stderr
    assert "Traceback" not in result.stderr or death == "SIGINT"    # multiprocessing prints the worker's own
    quiet(run_covcore(["combine", "-a", "-q"], cwd=tmp_path))
    expected = set(marked(prog)) | set(marked(prog, "G"))
    if death != "SIGKILL":
        expected |= set(marked(prog, "B"))
    assert set(measured(tmp_path / ".covcore")["prog.py"]) == expected
    still_saved(tmp_path, extra={"prog.py": sorted(expected)})


# Very deep, very many ------------------------------------------------------------------------------

def test_recursion_50000_deep_in_a_thread_with_a_large_stack(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core, branch=True)
    prog = write(tmp_path / "prog.py", """\
        import sys, threading                           # R
        sys.setrecursionlimit(60_000)                   # R
        threading.stack_size(1 << 30)                   # R
        def down(n):                                    # R
            if n == 0:                                  # R
                return 0                                # R
            return down(n - 1) + 1                      # R
        result = []                                     # R
        t = threading.Thread(target=lambda: result.append(down(50_000)))  # R
        t.start()                                       # R
        t.join()                                        # R
        print(result)                                   # R
        """)
    result = _run_like_python(tmp_path, core, ["--branch"])
    assert result.stdout == "[50000]\n"
    lines = measured(tmp_path / ".covcore")
    assert sorted(lines["prog.py"]) == marked(prog)


def test_2000_threads_at_once(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core, branch=True)
    prog = write(tmp_path / "prog.py", """\
        import threading                                # R
        threading.stack_size(256 * 1024)                # R
        N = 2000                                        # R
        barrier = threading.Barrier(N)                  # R
        done = []                                       # R
        def work(i):                                    # R
            barrier.wait()                              # R
            if i % 2:                                   # R
                done.append(i)                          # R
        threads = [threading.Thread(target=work, args=(i,)) for i in range(N)]  # R
        for t in threads:                               # R
            t.start()                                   # R
        for t in threads:                               # R
            t.join()                                    # R
        print(len(done))                                # R
        """)
    result = _run_like_python(tmp_path, core, ["--branch"])
    assert result.stdout == "1000\n"
    assert sorted(measured(tmp_path / ".covcore")["prog.py"]) == marked(prog)


def test_a_generator_chain_10000_deep(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core, branch=True)
    prog = write(tmp_path / "prog.py", """\
        import sys, threading                           # R
        sys.setrecursionlimit(50_000)                   # R
        threading.stack_size(1 << 30)                   # R
        def chain(n):                                   # R
            if n == 0:                                  # R
                yield from range(3)                     # R
            else:
                yield from chain(n - 1)                 # R
        out = []                                        # R
        t = threading.Thread(target=lambda: out.append(sum(chain(10_000))))  # R
        t.start()                                       # R
        t.join()                                        # R
        print(out)                                      # R
        """)
    result = _run_like_python(tmp_path, core, ["--branch"])
    assert result.stdout == "[3]\n"
    assert sorted(measured(tmp_path / ".covcore")["prog.py"]) == marked(prog)


def test_100000_code_objects_made_by_exec(tmp_path: Path, core: str) -> None:
    save_some_data(tmp_path, core, branch=True)
    write(tmp_path / "gen.py", "def f(n):\n    if n % 2:\n        return n\n    return -n\n")
    prog = write(tmp_path / "prog.py", """\
        import os                                       # R
        path = os.path.abspath("gen.py")                # R
        text = open(path).read()                        # R
        total = 0                                       # R
        for i in range(100_000):                        # R
            space = {}                                  # R
            exec(compile(text, path, "exec"), space)    # R
            total += space["f"](i)                      # R
        print(total)                                    # R
        """)
    result = _run_like_python(tmp_path, core, ["--branch"])
    assert result.stdout == "50000\n"
    lines = measured(tmp_path / ".covcore")
    assert sorted(lines["prog.py"]) == marked(prog)
    assert sorted(lines["gen.py"]) == [1, 2, 3, 4]


def test_a_generated_module_of_10000_lines_is_measured_exactly(tmp_path: Path, core: str) -> None:
    # One long code object (benchmarks/huge_module.py times the million-line
    # one), then a loop in it: every branch's arc, on every core.
    units = 2000
    text = "".join(f"x = {i}\nif x % 3:\n    y = x\nelse:\n    y = -x\n" for i in range(units))
    loop = units * 5 + 1
    text += "for j in range(3):\n    if j:\n        z = 1\n    else:\n        z = 2\nprint(x, y, z)\n"
    write(tmp_path / "prog.py", text)
    result = _run_like_python(tmp_path, core, ["--branch"])
    assert result.stdout == "1999 1999 1\n"
    quiet(run_covcore(["json", "-q"], cwd=tmp_path))
    report = json.loads((tmp_path / "coverage.json").read_text())["files"]["prog.py"]
    expected = [[5 * i + 2, 5 * i + 3 if i % 3 else 5 * i + 5] for i in range(units)]
    expected += [[loop, loop + 1], [loop, loop + 5], [loop + 1, loop + 2], [loop + 1, loop + 4]]
    assert sorted(report["executed_branches"]) == sorted(expected)
    assert report["missing_lines"] == [5 * i + (5 if i % 3 else 3) for i in range(units)]


def test_a_module_of_60000_lines_reports_as_coverage_py_does(tmp_path: Path, core: str) -> None:
    # Long enough for covcore's line report to analyze it in slices, one
    # tree at a time (covcore.parser.SLICE_LINES): the report is coverage.py's.
    parts = ['"""A generated module."""\n', "import sys\n"]
    for k in range(120):
        parts.append(f"class C{k}:\n")
        for i in range(100):
            parts.append(f"    def f{i}(self, a):\n        if a:  # pragma: no cover\n"
                         f"            return (a,\n                    {i})\n        return {i}\n")
        parts.append(f"C{k}().f{k % 100}(0)\n")
    write(tmp_path / "gen.py", "".join(parts) + "print('done')\n")
    assert (tmp_path / "gen.py").read_text().count("\n") > 60000
    result = run_covcore(["run", "--core", core, "gen.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "done\n", "")
    ours = run_covcore(["report", "-m"], cwd=tmp_path)
    assert (ours.returncode, ours.stderr) == (0, "")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("COVERAGE", "COVCORE"))}
    subprocess.run([sys.executable, "-m", "coverage", "run", "gen.py"], cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=300)
    theirs = subprocess.run([sys.executable, "-m", "coverage", "report", "-m"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert ours.stdout == theirs.stdout


# The disk ---------------------------------------------------------------------------------------------

@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs of the test's own under tmp_path, unmounted at the end."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"can't mount a small tmpfs (needs root or CAP_SYS_ADMIN): {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(directory: Path) -> None:
    """Use up every free byte of `directory`'s file system."""
    try:
        with open(directory / "filler", "wb", buffering=0) as filler:
            while True:
                filler.write(b"\0" * 4096)
    except OSError:
        pass


@pytest.mark.parametrize("kind", ["read-only", "full"])
def test_a_read_only_or_full_disk_is_one_line_and_the_saved_data_stays(
    tmp_path: Path, small_fs: Path, core: str, kind: str,
) -> None:
    save_some_data(tmp_path, core, data_file=str(small_fs / ".covcore"))
    before = (small_fs / ".covcore").read_bytes()
    if kind == "full":
        _fill(small_fs)
        problem = "No space left on device"
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
        problem = "read-only file system"
    write(tmp_path / "prog.py", "\n".join(f"def f{i}(): return {i}\nf{i}()" for i in range(300)) + "\nprint('ran')\n")
    data = ["--data-file", str(small_fs / ".covcore")]
    for args in (["run", "-a", "--core", core, *data, "prog.py"], ["run", "-p", "--core", core, *data, "prog.py"]):
        result = run_covcore(args, cwd=tmp_path)
        assert result.stdout == "ran\n"
        one_line(result, 1, "covcore: Couldn't write data to", str(small_fs), problem)
    for args in (["html", "-d", str(small_fs / "htmlcov")], ["json", "-o", str(small_fs / "x.json")],
                 ["xml", "-o", str(small_fs / "x.xml")], ["lcov", "-o", str(small_fs / "x.lcov")],
                 ["export", "-o", str(small_fs / "x.coverage")], ["combine", "-a"]):
        result = run_covcore([*args, *data], cwd=tmp_path)
        if args[0] == "combine":
            one_line(result, 1, "covcore: No data to combine")
        else:
            one_line(result, 1, "covcore: ", str(small_fs), problem)
    assert (small_fs / ".covcore").read_bytes() == before
    still_saved(tmp_path, data_file=str(small_fs / ".covcore"))


# Many at once -------------------------------------------------------------------------------------------

def test_16_concurrent_parallel_runs_and_two_combines_lose_nothing(tmp_path: Path, core: str) -> None:
    for i in range(16):
        write(tmp_path / f"prog{i}.py", f"def f():\n    return {i}\nf()\n")
    env = dict(os.environ)
    env.pop("COVCORE_FILE", None)

    def covcore(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "covcore", *args], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    runs = [covcore("run", "-p", "--core", core, f"prog{i}.py") for i in range(16)]
    combines = [covcore("combine", "-a", "-q"), covcore("combine", "-a", "-q")]
    for proc in runs:
        out, err = proc.communicate(timeout=300)
        assert (proc.returncode, err) == (0, ""), err
    for proc in combines:
        out, err = proc.communicate(timeout=300)
        # A combine that found nothing yet says so; none fails otherwise.
        assert proc.returncode == 0 or err == "covcore: No data to combine\n", err
    if parallel_files(tmp_path):
        quiet(run_covcore(["combine", "-a", "-q"], cwd=tmp_path))
    assert measured(tmp_path / ".covcore") == {f"prog{i}.py": [1, 2, 3] for i in range(16)}

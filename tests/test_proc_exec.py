"""The exec family, measured by default: data saved before the exec, the new Python program measured.

Lines marked ``# R`` must be measured, and no others.  See docs/trouble.md,
"execv and friends".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore
from covcore.data import CoverageData
from proc_helpers import marked, measured, parallel_files, require_startup_hook, run_python

pytestmark = pytest.mark.skipif(os.name != "posix", reason="exec and spawn are tested on POSIX")

# Each step of a chain of programs replaces itself with the next one by one of
# the exec functions, or starts it with a spawn function and waits.
_PY = "sys.executable"
_NAME = "os.path.basename(sys.executable)"   # found on PATH by the *p variants
_CALLS = [
    ("execv", "os.execv({py}, [{py}, '{next}'])"),
    ("execve", "os.execve({py}, [{py}, '{next}'], dict(os.environ, STEP='execve'))"),
    ("execl", "os.execl({py}, {py}, '{next}')"),
    ("execle", "os.execle({py}, {py}, '{next}', dict(os.environ))"),
    ("execlp", "os.execlp({name}, {name}, '{next}')"),
    ("execlpe", "os.execlpe({name}, {name}, '{next}', dict(os.environ))"),
    ("execvp", "os.execvp({name}, [{name}, '{next}'])"),
    ("execvpe", "os.execvpe({name}, [{name}, '{next}'], dict(os.environ))"),
    ("spawnv", "os.spawnv(os.P_WAIT, {py}, [{py}, '{next}'])"),
    ("spawnlpe", "os.spawnlpe(os.P_WAIT, {name}, {name}, '{next}', dict(os.environ))"),
]

_STEP = """\
import os, sys                                              # R
if "STEP" in os.environ:                                    # R
    print("from execve's env:", os.environ.pop("STEP"))     # {env_mark}
def work(name):                                             # R
    return name                                             # R
work(__file__)                                              # R
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]  # R
print("{how}", "COVCORE_PROCESS" in os.environ, flush=True)  # R
{call}                                                      # R
print("after", "{how}", flush=True)                         # {after_mark}
"""

_LAST = """\
import os                                                   # R
def last():                                                 # R
    return "last"                                           # R
print(last(), "COVCORE_PROCESS" in os.environ)              # R
"""


def _chain(tmp_path: Path) -> list[Path]:
    files = []
    for index, (how, call) in enumerate(_CALLS):
        text = _STEP.format(
            how=how,
            call=call.format(py=_PY, name=_NAME, next=f"step{index + 1}.py"),
            env_mark="R" if index > 0 and _CALLS[index - 1][0] == "execve" else "",
            after_mark="R" if how.startswith("spawn") else "",
        )
        path = tmp_path / f"step{index}.py"
        path.write_text(text)
        files.append(path)
    last = tmp_path / f"step{len(_CALLS)}.py"
    last.write_text(_LAST)
    files.append(last)
    return files


def test_every_exec_and_spawn_function_measures_both_programs(tmp_path: Path, core: str) -> None:
    require_startup_hook()
    files = _chain(tmp_path)
    result = run_covcore(["run", "--core", core, "step0.py"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # No program sees the settings variable: only exec'd programs are measured, not their children.
    expected_out = [f"{how} False" for how, _ in _CALLS[:2]] + ["from execve's env: execve"]
    expected_out += [f"{how} False" for how, _ in _CALLS[2:]] + ["last False"]
    expected_out += [f"after {how}" for how, _ in reversed(_CALLS) if how.startswith("spawn")]
    assert result.stdout.splitlines() == expected_out
    assert measured(tmp_path / ".covcore") == {path.name: marked(path) for path in files}
    # Everything was combined into the data file at the end of the run.
    assert parallel_files(tmp_path) == []
    report = run_covcore(["report"], cwd=tmp_path)
    assert report.returncode == 0 and f"step{len(_CALLS)}.py" in report.stdout


def test_exec_of_a_program_that_is_not_python_saves_the_data(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", """\
        import os                                           # R
        def before():                                       # R
            return 1                                        # R
        before()                                            # R
        os.execv("/bin/sh", ["sh", "-c", "echo from sh"])   # R
        print("not reached")
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "from sh\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}
    report = run_covcore(["report", "-m"], cwd=tmp_path)
    assert "prog.py" in report.stdout and "83%" in report.stdout


def test_an_exec_that_fails_goes_on_measuring(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", """\
        import os                                           # R
        try:                                                # R
            os.execv("/nonexistent/program", ["program"])   # R
        except OSError as exc:                              # R
            print("failed:", exc.errno)                     # R
        def after():                                        # R
            return 2                                        # R
        after()                                             # R
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "failed: 2\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}


def test_parallel_mode_leaves_one_file_per_program_to_combine(make_file: Any, tmp_path: Path, core: str) -> None:
    require_startup_hook()
    prog = make_file("prog.py", """\
        import os, sys                                      # R
        os.execv(sys.executable, [sys.executable, "second.py"])  # R
        """)
    second = make_file("second.py", """\
        def second():                                       # R
            return 2                                        # R
        second()                                            # R
        """)
    result = run_covcore(["run", "--core", core, "-p", "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert not (tmp_path / ".covcore").exists()
    assert len(parallel_files(tmp_path)) == 2
    combine = run_covcore(["combine"], cwd=tmp_path)
    assert combine.returncode == 0, combine.stderr
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog), "second.py": marked(second)}


def test_the_exec_d_program_keeps_measuring_with_the_same_settings(make_file: Any, tmp_path: Path, core: str) -> None:
    require_startup_hook()
    init = make_file("pkg/__init__.py", "VERSION = 1  # R\n")
    mod = make_file("pkg/mod.py", """\
        def f(branch):                                      # R
            if branch:                                      # R
                return 1                                    # R
            return 2
        """)
    make_file("prog.py", """\
        import os, sys
        os.execv(sys.executable, [sys.executable, "second.py"])
        """)
    make_file("second.py", """\
        from pkg import mod
        mod.f(True)
        """)
    result = run_covcore(["run", "--core", core, "--branch", "--source", "pkg", "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert measured(tmp_path / ".covcore") == {"__init__.py": marked(init), "mod.py": marked(mod)}
    data = CoverageData(str(tmp_path / ".covcore"))
    data.read()
    assert sorted(data.arcs(str(mod)) or []) == [(-1, 1), (-1, 2), (1, -1), (2, 3), (3, -1)]


@pytest.mark.parametrize("case", ["exec", "subprocess"])
def test_a_missing_startup_hook_is_one_clear_warning(make_file: Any, tmp_path: Path, core: str, case: str) -> None:
    # As in an install without covcore.pth (an editable one): say so, don't fail silently.
    make_file("prog.py", f"""\
        import os, sys
        import covcore, covcore.process
        covcore.process.startup_hook_installed = lambda: False
        cov = covcore.Coverage(core={core!r}, data_file="measured.data")
        cov.config.subprocess = {case == "subprocess"}
        cov.start()
        os.execv(sys.executable, [sys.executable, "-c", "print('exec ok')"])
        """)
    result = run_python(["prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "exec ok\n")
    what = "the exec'd Python program" if case == "exec" else "subprocesses"
    assert result.stderr == (
        f"covcore: warning: {what} can't be measured: covcore.pth is not in this Python's "
        "site-packages (an editable or partial install?); reinstall covcore with pip install\n"
    )

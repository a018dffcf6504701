"""os._exit and SIGTERM, handled by default: the data is saved, then the process ends as it would.

Lines marked ``# R`` must be measured, and no others.  See docs/trouble.md,
"os._exit" and "SIGTERM".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import run_covcore
from proc_helpers import marked, measured, parallel_files

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals are tested on POSIX")


def test_os_exit_saves_the_data_and_keeps_the_status(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", """\
        import os                                       # R
        def before():                                   # R
            return 1                                    # R
        before()                                        # R
        os._exit(3)                                     # R
        print("not reached")
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (3, "", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}


def test_sigterm_saves_the_data_then_kills_as_usual(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", """\
        import os, signal                               # R
        def before():                                   # R
            return 1                                    # R
        before()                                        # R
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN  # R
        os.kill(os.getpid(), signal.SIGTERM)            # R
        print("not reached")
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (-signal.SIGTERM, "", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}


#: Straight-line statements of ~50 ms each (a copy of 128 MiB) and no call
#: or loop between them: code where CPython never checks for signals.
STRAIGHT_LINES = 2000


@pytest.mark.parametrize("branch", [False, True], ids=["line", "branch"])
def test_sigterm_during_straight_line_code_is_handled_at_once(tmp_path: Path, core: str, branch: bool) -> None:
    # Unmeasured, the program dies of SIGTERM at once (no handler); measured,
    # covcore's Python handler must not wait for the next call or loop, here
    # minutes away.
    body = "b = blob * 4\n" * STRAIGHT_LINES
    (tmp_path / "prog.py").write_text(
        'blob = b"x" * 2**25\n'
        'b = blob * 4\n'
        'open("started", "w").close()\n' + body)
    env = {k: v for k, v in os.environ.items() if k not in ("COVCORE_CORE", "COVCORE_FILE")}
    args = [sys.executable, "-m", "covcore", "run", "--core", core, *(["--branch"] if branch else []), "prog.py"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)     # some of the straight lines run
        proc.send_signal(signal.SIGTERM)
        # The program alone would go on for STRAIGHT_LINES * ~50 ms.
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert (proc.returncode, stdout, stderr) == (-signal.SIGTERM, "", "")
    lines = measured(tmp_path / ".covcore")["prog.py"]
    # Saved from where the signal came: a run of lines from the first, past the marker, not to the end.
    assert lines == list(range(1, len(lines) + 1))
    assert 3 <= len(lines) < 3 + STRAIGHT_LINES


def test_sigterm_sent_by_another_process_while_the_program_sleeps(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", """\
        import os, signal, subprocess, sys, time        # R
        killer = "import os, signal, sys; os.kill(int(sys.argv[1]), signal.SIGTERM)"  # R
        subprocess.Popen([sys.executable, "-c", killer, str(os.getpid())])  # R
        while True:                                     # R
            time.sleep(0.05)                            # R
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stderr) == (-signal.SIGTERM, "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}


def test_a_program_s_own_sigterm_handler_is_left_alone(make_file: Any, tmp_path: Path, core: str) -> None:
    prog = make_file("prog.py", """\
        import os, signal, sys                          # R
        def handler(signum, frame):                     # R
            print("handled", signum == signal.SIGTERM, flush=True)  # R
            sys.exit(5)                                 # R
        signal.signal(signal.SIGTERM, handler)          # R
        os.kill(os.getpid(), signal.SIGTERM)            # R
        print("not reached")
        """)
    result = run_covcore(["run", "--core", core, "prog.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (5, "handled True\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_terminated_multiprocessing_worker_saves_its_data(
    make_file: Any, tmp_path: Path, core: str, method: str,
) -> None:
    prog = make_file("prog.py", """\
        import multiprocessing, sys, time               # R
        def worker(ready):                              # R
            while True:                                 # R
                ready.set(); time.sleep(0.05)           # R
        if __name__ == "__main__":                      # R
            ctx = multiprocessing.get_context(sys.argv[1])  # R
            ready = ctx.Event()                         # R
            process = ctx.Process(target=worker, args=(ready,))  # R
            process.start()                             # R
            ready.wait()                                # R
            process.terminate()                         # R
            process.join()                              # R
            print(process.exitcode)                     # R
        """)
    result = run_covcore(["run", "--core", core, "prog.py", method], cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{-signal.SIGTERM}\n", "")
    assert measured(tmp_path / ".covcore") == {"prog.py": marked(prog)}
    assert parallel_files(tmp_path) == []

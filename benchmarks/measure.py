"""Running one workload under one tool in a fresh process, and what that cost.

A run is timed from the outside: wall-clock time, the child's CPU time
(user + system, from wait4) and its minor page faults.  The launcher
inside the child adds its peak resident set size (see launch.py's
_peak_rss_kb()), the time spent writing the data file and the core that
really ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from benchmarks.workloads import Prepared, clean_outputs

LAUNCH = Path(__file__).resolve().parent / "launch.py"


@dataclass
class Run:
    """The cost of one run."""

    wall: float
    cpu: float
    rss_kb: int
    save: float
    core: Optional[str]
    error: Optional[str] = None
    #: Minor page faults: memory first touched.  A workload whose buffers a
    #: tool's allocations push across glibc's mmap threshold shows here.
    minflt: int = 0


def command(python: str, tool: str, branch: bool, prepared: Prepared, data_file: str,
            report: str) -> list[str]:
    """The command line that runs `prepared` under `tool`."""
    cmd = [python, str(LAUNCH), "--tool", tool, "--source", str(prepared.directory),
           "--data-file", data_file, "--report", report]
    if branch:
        cmd.append("--branch")
    return cmd + ["--", *prepared.target]


def run_once(python: str, tool: str, branch: bool, prepared: Prepared,
             timeout: float = 1800.0, wrapper: Optional[list[str]] = None) -> tuple[Run, str]:
    """Run `prepared` under `tool` once; returns the Run and the child's stderr."""
    clean_outputs(prepared)
    with tempfile.TemporaryDirectory(prefix="covbench-") as tmp:
        data_file = os.path.join(tmp, "data")
        report = os.path.join(tmp, "report.json")
        errlog = os.path.join(tmp, "stderr")
        cmd = (wrapper or []) + command(python, tool, branch, prepared, data_file, report)
        env = dict(os.environ)
        env.pop("COVERAGE_CORE", None)
        env.pop("COVCORE_CORE", None)
        env.update(prepared.env)
        env["PYTHONDONTWRITEBYTECODE"] = ""
        with open(errlog, "w", encoding="utf-8") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=prepared.directory, env=env,
                                    stdout=subprocess.DEVNULL, stderr=err)
            killer = threading.Timer(timeout, proc.kill)
            killer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                killer.cancel()
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
        with open(errlog, encoding="utf-8", errors="replace") as f:
            stderr = f.read()
        info = {}
        if os.path.exists(report):
            with open(report, encoding="utf-8") as f:
                info = json.load(f)
        error = None
        if proc.returncode != 0:
            tail = stderr.strip().splitlines()[-3:]
            error = f"exit status {proc.returncode}: {' | '.join(tail)}"
        # The launcher's own peak (VmHWM): ru_maxrss carries the harness's size.
        rss_kb = int(info.get("peak_rss_kb") or usage.ru_maxrss)
        run = Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rss_kb=rss_kb,
                  save=float(info.get("save_seconds", 0.0)), core=info.get("core"), error=error,
                  minflt=usage.ru_minflt)
        return run, stderr

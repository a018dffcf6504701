"""The benchmark harness runs end to end (a smoke test: nothing here is timed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from proc_helpers import pytest11_entry_points

REPO = Path(__file__).resolve().parent.parent


def test_bench_smoke_mode_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    if not (REPO / "benchmarks" / "harness.py").exists():
        pytest.skip("the benchmark harness is not in this checkout (benchmarks/ missing)")
    # --no-venv measures with this interpreter's own packages, so the smoke run
    # needs no network: no benchmark venv to build, a generated workload.
    out = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--no-venv", "--smoke", "--no-micro",
         "--out", str(out), "--tools", "plain,covcore-ctrace,covcore-sysmon,covcore-pytrace,slipcover"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0 and "could not prepare workload" in result.stderr:
        pytest.skip(f"the smoke workload can't be prepared offline: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    assert "| tool | mode | geomean time |" in result.stdout
    results = json.loads((out / "results.json").read_text())
    summary = results["summary"]
    ctrace = summary["covcore-ctrace/line"]
    if ctrace["ok"]:
        assert ctrace["geomean"] > 0
        assert summary["covcore-ctrace/branch"]["geomean"] > 0
    # Every tool asked for has a row: measured, or missing with a reason.
    for cfg in ("covcore-sysmon/line", "slipcover/line", "covcore-pytrace/branch"):
        assert summary[cfg]["ok"] or summary[cfg]["reason"], cfg
    assert (out / "results.md").read_text().startswith("### Python")
    # Each run records the page faults it took, and each tool the faults it added.
    (workload,) = results["workloads"].values()
    assert all(run["minflt"] > 0 for run in workload["plain"])
    pytrace = workload["runs"]["covcore-pytrace/line"]
    assert pytrace["samples"][0]["minflt"] > 0
    assert isinstance(pytrace["faults_added"], (int, float))


def test_contexts_bench_smoke_run(tmp_path: Path) -> None:
    """benchmarks/contexts_bench.py end to end, on a tiny suite with this interpreter's packages."""
    import pytest_cov  # noqa: F401 - a test requirement: missing, the test fails
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("COVCORE_", "COVERAGE_", "PYTEST_")):
            del env[name]
    paths = [str(pytest11_entry_points(tmp_path)), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    out = tmp_path / "results"
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.contexts_bench", "--no-venv", "--tests", "6", "--modules", "2",
         "--repeat", "1", "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    table = (out / f"{sys.version_info[0]}.{sys.version_info[1]}" / "contexts.md").read_text()
    rows = {line.split("|")[1].strip(): line.split("|")[2:-1] for line in table.splitlines() if line.startswith("| ")}
    assert set(rows) >= {"plain", "covcore", "covcore + contexts", "coverage.py ctrace + contexts"}
    # Complete context data: covcore records every (line, context) pair coverage.py's C tracer does.
    assert int(rows["covcore + contexts"][3]) == int(rows["coverage.py ctrace + contexts"][3]) > 0


def test_full_size_is_refused_without_callgrind() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--no-venv", "--smoke", "--no-micro", "--full-size"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "benchmarks: --full-size is for --callgrind (timed runs are full-size already)")


def test_a_runs_peak_memory_is_its_own_not_the_harness(tmp_path: Path) -> None:
    """wait4's ru_maxrss of a child keeps the high-water mark of the harness
    it was forked from; the launcher reports the program's own peak."""
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks.measure import run_once
        from benchmarks.workloads import Prepared, Workload
    finally:
        sys.path.remove(str(REPO))
    (tmp_path / "prog.py").write_text("print('hello')\n")
    prepared = Prepared(Workload("tiny", "imports"), tmp_path, ["prog.py"])
    ballast = bytearray(300 * 1024 * 1024)       # this process: over 300 MB resident
    ballast[::4096] = b"x" * len(ballast[::4096])
    run, stderr = run_once(sys.executable, "plain", False, prepared)
    del ballast
    assert run.error is None, stderr
    assert 0 < run.rss_kb < 100 * 1024

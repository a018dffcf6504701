"""The benchmark harness runs end to end (a smoke test: nothing here is timed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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

"""Runs micro.py in the benchmark venv, once per core and once for the data stores."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Callable

MICRO = Path(__file__).resolve().parent / "micro.py"


def run(python: str, tools: list[str], say: Callable[[str], None]) -> dict[str, Any]:
    """{"cores": {tool: costs or error}, "save": {store: costs}}."""
    out: dict[str, Any] = {"cores": {}, "save": {}}
    for tool in tools:
        if not tool.startswith(("covcore-", "coverage-")):
            continue
        say(f"microbenchmarks: {tool}")
        r = subprocess.run([python, str(MICRO), "core", tool], capture_output=True, text=True, cwd="/")
        if r.returncode != 0:
            out["cores"][tool] = {"error": (r.stderr.strip().splitlines() or ["failed"])[-1]}
        else:
            out["cores"][tool] = json.loads(r.stdout)
    say("microbenchmarks: save()")
    r = subprocess.run([python, str(MICRO), "save"], capture_output=True, text=True, cwd="/")
    if r.returncode == 0:
        out["save"] = json.loads(r.stdout)
    else:
        out["save_error"] = (r.stderr.strip().splitlines() or ["failed"])[-1]
    return out

"""``--callgrind``: instructions executed, counted by valgrind's callgrind.

Each workload (quick size, or with ``--full-size`` the timed runs' size)
runs once plain and once under each tool and mode with
``valgrind --tool=callgrind``; the ratio of instruction counts
(Ir) is stable on a shared, noisy machine where timings are not.  The
callgrind output files stay in benchmarks/cache/X.Y/callgrind/ for
``callgrind_annotate``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Callable

from benchmarks.measure import run_once
from benchmarks.workloads import Prepared

COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def run(python: str, prepared: list[Prepared], tools: list[str], modes: list[bool],
        status: dict[str, Any], say: Callable[[str], None]) -> dict[str, Any]:
    """{workload: {"plain": Ir, "configs": {"tool/mode": {"ir": Ir} or {"error": ...}}}}."""
    if shutil.which("valgrind") is None:
        raise SystemExit("benchmarks: --callgrind needs valgrind (apt-get install valgrind)")
    out: dict[str, Any] = {}
    for p in prepared:
        # Unmeasured first: the byte-code caches are written before anything is counted.
        run_once(python, "plain", False, p)
        folder = p.directory.parent.parent / "callgrind" / p.workload.name
        folder.mkdir(parents=True, exist_ok=True)
        entry: dict[str, Any] = {"plain": None, "configs": {}}
        configs = [("plain", False)] + [(t, b) for t in tools if t != "plain" for b in modes
                                         if status.get(f"{t}/{'branch' if b else 'line'}", {}).get("ok")]
        for tool, branch in configs:
            cfg = f"{tool}/{'branch' if branch else 'line'}"
            outfile = folder / f"{cfg.replace('/', '-')}.callgrind"
            wrapper = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={outfile}"]
            run, stderr = run_once(python, tool, branch, p, wrapper=wrapper)
            found = COLLECTED.findall(stderr)
            if run.error or not found:
                err = run.error or "no instruction count in valgrind's output"
                say(f"callgrind {p.workload.name} {cfg}: FAILED {err}")
                if tool == "plain":
                    break
                entry["configs"][cfg] = {"error": err}
                continue
            ir = int(found[-1])
            say(f"callgrind {p.workload.name} {cfg}: {ir / 1e6:.0f} M instructions")
            if tool == "plain":
                entry["plain"] = ir
            else:
                entry["configs"][cfg] = {"ir": ir, "file": str(outfile.relative_to(Path.cwd()))
                                         if outfile.is_relative_to(Path.cwd()) else str(outfile)}
        out[p.workload.name] = entry
    return out

"""Helpers for the process-level tests (test_proc_*.py, test_threads_lowlevel.py).

The programs under test mark each line that must be measured with ``# R``
at its end (or another tag, ``# P``, ``# C``... where a test tells processes
apart); :func:`marked` reads the marks, so the expected sets are exact and
stay next to the code they describe.
"""

from __future__ import annotations

import os
import re
import site
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from covcore.data import CoverageData

_MARK = re.compile(r"#\s*([A-Z]+(?:\s+[A-Z]+)*)\s*$")


def marked(path: Path, tag: str = "R") -> list[int]:
    """The numbers of the lines of `path` whose end comment holds `tag`."""
    lines = []
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        match = _MARK.search(text)
        if match and tag in match.group(1).split():
            lines.append(number)
    return lines


def measured(path: Path) -> dict[str, list[int]]:
    """The measured lines in the data file `path`, by file base name."""
    data = CoverageData(str(path))
    data.read()
    return {os.path.basename(name): sorted(data.lines(name) or []) for name in data.measured_files()}


def parallel_files(directory: Path, basename: str = ".covcore") -> list[Path]:
    """The parallel data files (``<basename>.*``) in `directory`."""
    return sorted(p for p in directory.glob(basename + ".*") if not p.name.endswith("-journal"))


def require_startup_hook() -> None:
    """Fail clearly if this Python can't start covcore in a new process (covcore.pth missing)."""
    for directory in [*site.getsitepackages(), site.getusersitepackages()]:
        if os.path.exists(os.path.join(directory, "covcore.pth")):
            return
    pytest.fail(
        "covcore.pth is not installed in this Python's site-packages, so exec'd and "
        "spawned Python programs can't be measured: install covcore (pip install .)",
    )


def require_pytest_plugin(cwd: Path) -> None:
    """Fail clearly if a pytest run in `cwd` would not load covcore's plugin (entry point pytest11)."""
    code = "import importlib.metadata as m; print(sorted(e.name for e in m.entry_points(group='pytest11')))"
    names = run_python(["-c", code], cwd).stdout
    if "'covcore'" not in names:
        pytest.fail("covcore's pytest11 entry point is not installed: install covcore (pip install .)")


def pytest11_entry_points(base: Path) -> Path:
    """A directory for PYTHONPATH whose dist-info declares pyproject.toml's pytest11 entry points.

    So a pytest in a subprocess loads the plugins of this source tree, as
    well as from an install.
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    points = project["entry-points"]["pytest11"]
    info = base / "epdir" / "covcore_entry_points-0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: covcore-entry-points\nVersion: 0\n")
    (info / "entry_points.txt").write_text(
        "[pytest11]\n" + "".join(f"{name} = {target}\n" for name, target in points.items())
    )
    return base / "epdir"


def run_python(args: list[str], cwd: Path, env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` (a program that uses covcore's API) in a real subprocess."""
    full_env = dict(os.environ)
    full_env.pop("COVCORE_CORE", None)
    full_env.pop("COVCORE_FILE", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=120)

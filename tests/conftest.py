"""Shared fixtures: the tracer cores to test, and helpers to run covcore."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable, Optional

import pytest

from covcore import cores

#: Set when the test run deliberately exercises an install without the C extension.
EXPECT_PURE = os.environ.get("COVCORE_EXPECT_PURE") == "1"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Guard against testing the wrong thing: the C core must have loaded."""
    if not EXPECT_PURE and "ctrace" not in cores.available_cores():
        raise pytest.UsageError(
            f"covcore's C extension did not load ({cores.CTRACER_ERROR}); "
            "tests would silently skip the C core. Build it, or set COVCORE_EXPECT_PURE=1."
        )


def pytest_report_header(config: pytest.Config) -> str:
    return f"covcore cores: {', '.join(cores.available_cores())} (C extension: {cores.ctracer_path()})"


@pytest.fixture(params=cores.available_cores())
def core(request: pytest.FixtureRequest) -> str:
    """Every tracer core available on this Python, one test each."""
    return str(request.param)


def run_covcore(
    args: list[str], cwd: Path, env: Optional[dict[str, str]] = None, input: Optional[str] = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m covcore ARGS`` in a real subprocess."""
    full_env = dict(os.environ)
    full_env.pop("COVCORE_CORE", None)
    full_env.pop("COVCORE_FILE", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "covcore", *args],
        cwd=cwd, env=full_env, input=input, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a (dedented) file under the test's directory; returns its path."""
    def make(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path
    return make


#: The sysmon core takes INSTRUCTION events for LINE events in every code
#: object (COVCORE_SYSMON_INSTR=all, a testing aid on 3.12 and 3.13:
#: docs/architecture.md).
SYSMON_INSTR_ALL = os.environ.get("COVCORE_SYSMON_INSTR") == "all" and sys.version_info[:2] in ((3, 12), (3, 13))


def xfail_tracing_removed_in_a_line_event(request: pytest.FixtureRequest, core: str,
                                          versions: tuple[tuple[int, int], ...] = ((3, 12), (3, 13))) -> None:
    """A tracer removed inside its line event, with every code object on INSTRUCTION events (strict)."""
    if core == "sysmon" and SYSMON_INSTR_ALL and sys.version_info[:2] in versions:
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "CPython 3.12/3.13: the instruction whose line event removes sys.settrace's tracer (pdb's "
            "continue) gives no INSTRUCTION event (docs/trouble.md)")))

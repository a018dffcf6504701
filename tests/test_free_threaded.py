"""A free-threaded Python (no GIL) is measured by the Python core only.

No free-threaded interpreter is reachable here, so these tests check the two
guards directly: the C sources refuse to compile against a free-threaded
build's headers, and the core choice on such an interpreter names the reason.
"""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from covcore import cores
from covcore.exceptions import CoreUnavailable

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_the_c_sources_refuse_a_free_threaded_build() -> None:
    include = sysconfig.get_paths()["include"]
    result = subprocess.run(
        ["gcc", "-fsyntax-only", "-DPy_GIL_DISABLED=1", f"-I{include}", str(ROOT / "ctracer" / "module.c")],
        capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert "covcore's C cores need the GIL, and this Python is free-threaded" in result.stderr


def test_a_free_threaded_python_gets_the_python_core_and_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    # What cores.py sets up at import on such an interpreter.
    monkeypatch.setattr(cores, "_ctracer", None)
    monkeypatch.setattr(cores, "CTRACER_ERROR", "this Python is free-threaded, and covcore's C cores need the GIL")
    choice = cores.choose_core(None)
    assert choice.name == "pytrace"
    assert choice.warning is not None and "free-threaded" in choice.warning
    for name in ("ctrace", "sysmon"):
        with pytest.raises(CoreUnavailable, match="free-threaded, and covcore's C cores need the GIL"):
            cores.choose_core(name)
    assert cores.available_cores() == ["pytrace"]


def test_this_python_is_not_free_threaded() -> None:
    # The suite runs on GIL builds: the C cores are there.
    assert not cores.FREE_THREADED
    assert cores.FREE_THREADED == bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert "ctrace" in cores.available_cores()

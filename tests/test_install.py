"""``pip install .`` (not editable) gives a working covcore, with and without the C extension.

Each test builds a fresh virtual environment and installs the project into
it, the way a user would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(path)
    return path / "bin" / "python"


def _pip_install(python: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # Install from a clean copy, so that build products of the working tree play no part.
    src = tmp_path / "src"
    if not src.exists():
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
            ".git", ".venv*", "build", "*.so", "__pycache__", "*.egg-info", ".pytest_cache", "benchmarks",
        ))
    full_env = {**os.environ, **env}
    full_env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(python), "-m", "pip", "install", "--no-cache-dir", str(src)],
        capture_output=True, text=True, env=full_env, timeout=600,
    )


def _covcore(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COVCORE_CORE")}
    return subprocess.run([str(python), "-m", "covcore", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture
def program(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "prog.py").write_text("def f(x):\n    return x * 2\n\nf(3)\n")
    return work


def test_pip_install_builds_the_c_extension(tmp_path: Path, program: Path) -> None:
    python = _venv(tmp_path / "venv")
    result = _pip_install(python, tmp_path, COVCORE_REQUIRE_EXTENSION="1")
    assert result.returncode == 0, result.stdout + result.stderr
    info = _covcore(python, program, "debug", "sys")
    assert f"chosen core: {'sysmon' if sys.version_info >= (3, 12) else 'ctrace'}" in info.stdout
    assert str(tmp_path / "venv") in info.stdout     # the extension came from the install
    assert _covcore(python, program, "run", "prog.py").returncode == 0
    report = _covcore(python, program, "report")
    assert report.returncode == 0, report.stderr
    assert "prog.py" in report.stdout and "100%" in report.stdout
    # The install ships covcore.pth: a program exec'd by a measured one is measured.
    (program / "execs.py").write_text("import os, sys\nos.execv(sys.executable, [sys.executable, 'prog.py'])\n")
    (program / ".covcore").unlink()
    assert _covcore(python, program, "run", "--include", "*/prog.py", "execs.py").returncode == 0
    assert "prog.py" in _covcore(python, program, "report").stdout


def test_pure_install_falls_back_to_the_python_core(tmp_path: Path, program: Path) -> None:
    python = _venv(tmp_path / "venv")
    result = _pip_install(python, tmp_path, COVCORE_NO_EXTENSION="1")
    assert result.returncode == 0, result.stdout + result.stderr
    run = _covcore(python, program, "run", "prog.py")
    assert run.returncode == 0
    warnings = [line for line in run.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "Python tracer" in warnings[0]
    assert "chosen core: pytrace" in _covcore(python, program, "debug", "sys").stdout
    explicit = _covcore(python, program, "run", "--core", "ctrace", "prog.py")
    assert explicit.returncode == 1
    lines = explicit.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("covcore: The ctrace core was requested (by --core) but covcore's C extension")


def test_failed_compile_falls_back_with_a_banner_or_is_fatal_on_request(tmp_path: Path, program: Path) -> None:
    python = _venv(tmp_path / "venv")
    result = _pip_install(python, tmp_path, CC="false", COVCORE_REQUIRE_EXTENSION="1")
    assert result.returncode != 0
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "-v", "--no-cache-dir", str(tmp_path / "src")],
        capture_output=True, text=True, env={**os.environ, "CC": "false"}, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "covcore's C extension (covcore._ctracer) could not be built" in result.stdout + result.stderr
    assert "chosen core: pytrace" in _covcore(python, program, "debug", "sys").stdout

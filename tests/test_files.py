"""What covcore leaves unmeasured without --source or --include: the standard
library, installed packages and covcore itself, found without sysconfig."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from covcore.files import FileSelector, _excluded_dirs, _under, canonical_filename


def test_every_sysconfig_path_is_under_an_excluded_directory() -> None:
    dirs = _excluded_dirs()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = canonical_filename(sysconfig.get_paths()[key])
        assert any(_under(path, d) for d in dirs), (key, path, dirs)


def test_the_standard_library_and_installed_packages_are_not_measured() -> None:
    selector = FileSelector(cwd="/")
    import json
    import pytest

    assert selector.should_trace(json.__file__) is None
    assert selector.should_trace(pytest.__file__) is None
    assert selector.should_trace(os.path.join(os.path.dirname(sysconfig.__file__), "argparse.py")) is None


def test_a_venv_inside_the_project_is_not_measured(tmp_path: Path) -> None:
    """The usual layout: the project's own .venv under the current directory."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / ".venv")], check=True)
    venv_python = tmp_path / ".venv" / "bin" / "python"
    (tmp_path / "prog.py").write_text("print('ran')\n")
    site_packages = subprocess.run(
        [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    probe = (
        "import sys; sys.path[:0] = %r\n"
        "from covcore.files import FileSelector\n"
        "s = FileSelector(cwd=%r)\n"
        "print(s.should_trace(%r), s.should_trace(%r))\n"
    ) % ([p for p in sys.path if p], str(tmp_path), os.path.join(site_packages, "mod.py"), str(tmp_path / "prog.py"))
    out = subprocess.run([str(venv_python), "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.split() == ["None", canonical_filename(str(tmp_path / "prog.py"))]


def test_no_sysconfig_import_at_start(tmp_path: Path) -> None:
    """`covcore run prog.py` (no --source) decides its files without importing sysconfig."""
    (tmp_path / "prog.py").write_text("import sys\nprint('sysconfig' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-m", "covcore", "run", "prog.py"], cwd=tmp_path,
                         check=True, capture_output=True, text=True)
    plain = subprocess.run([sys.executable, "prog.py"], cwd=tmp_path, check=True, capture_output=True, text=True)
    assert out.stdout == plain.stdout

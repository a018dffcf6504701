"""pytest-xdist workers of ``covcore run -m pytest -n 2`` measured without configuration.

Lines marked ``# R`` must be measured, and no others.  See docs/trouble.md,
"pytest-xdist".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xdist  # noqa: F401 - pytest-xdist is a test extra: missing, this module fails to load

from conftest import run_covcore
from proc_helpers import marked, measured, parallel_files, require_pytest_plugin


def test_xdist_workers_are_measured(make_file: Any, tmp_path: Path, core: str) -> None:
    require_pytest_plugin(tmp_path)
    lib = make_file("mathlib.py", """\
        def add(a, b):                                  # R
            return a + b                                # R
        def sub(a, b):                                  # R
            return a - b                                # R
        def unused():                                   # R
            return None
        """)
    conftest = make_file("conftest.py", """\
        import pytest                                   # R
        @pytest.fixture                                 # R
        def two():                                      # R
            return 2                                    # R
        """)
    tests = make_file("test_math.py", """\
        import mathlib                                  # R
        def test_add(two):                              # R
            assert mathlib.add(1, two) == 3             # R
        def test_sub(two):                              # R
            assert mathlib.sub(3, two) == 1             # R
        """)
    make_file("pytest.ini", "[pytest]\n")
    result = run_covcore(
        ["run", "--core", core, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider", "test_math.py"],
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout and "warning" not in result.stdout
    assert result.stderr == ""
    assert measured(tmp_path / ".covcore") == {
        "mathlib.py": marked(lib), "conftest.py": marked(conftest), "test_math.py": marked(tests),
    }
    assert parallel_files(tmp_path) == []

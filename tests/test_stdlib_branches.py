"""A sample of the standard library: covcore's statements and arcs are coverage.py's.

``make stdlib-branches`` runs the same comparison on every file.
"""

from __future__ import annotations

import pytest

from stdlib_branches import FileResult, compare_all, stdlib_files, summarize

#: How many files, evenly spread over the sorted list, are compared here.
#: (A stdlib without its test packages, as Debian's, has a third of the files.)
SAMPLE = 45


@pytest.fixture(scope="module")
def results() -> list[FileResult]:
    files = stdlib_files()
    return compare_all(files[:: max(1, len(files) // SAMPLE)], jobs=1)


def test_sample_is_large_enough(results: list[FileResult]) -> None:
    assert len(results) >= 40   # the stdlib of any supported Python has far more .py files


def test_no_exceptions(results: list[FileResult]) -> None:
    errors = [f"{r.path}\n{r.detail}" for r in results if r.outcome == "error"]
    assert not errors


def test_same_statements_and_arcs(results: list[FileResult]) -> None:
    differing = [f"{r.path}: {r.detail}" for r in results if r.outcome == "differ"]
    assert not differing
    assert summarize(results)[3] == 1.0

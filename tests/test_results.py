"""Results: numbers, percentages, missing-line ranges and per-file analysis.

Compared with coverage.py's own results module where it has the same thing.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import random
import textwrap
from pathlib import Path

import coverage.results
import pytest

from covcore.exceptions import ConfigError, NoSource, NotPython
from covcore.results import (
    Analysis,
    Numbers,
    analyze,
    clear_parse_cache,
    display_covered,
    format_lines,
    get_parser,
)
from report_oracle import (
    StandInData,
    coverage_parser,
    covcore_analyses,
    make_coverage,
    write_files,
)

# -- Percentages


@pytest.mark.parametrize("precision", [0, 1, 2, 3])
def test_display_covered_same_as_coverage(precision: int) -> None:
    values = [0.0, 100.0, 50.0, 0.001, 0.4, 0.5, 0.6, 99.4, 99.5, 99.6, 99.99, 99.999, 12.345, 66.665]
    values += [100.0 * n / d for d in range(1, 60) for n in range(d + 1)]
    for value in values:
        assert display_covered(value, precision) == coverage.results.display_covered(value, precision)


def test_display_covered_never_rounds_to_the_ends() -> None:
    assert display_covered(99.9, 0) == "99"
    assert display_covered(0.1, 0) == "1"
    assert display_covered(99.99, 1) == "99.9"
    assert display_covered(100.0, 2) == "100.00"
    assert display_covered(0.0, 2) == "0.00"


@pytest.mark.parametrize(
    "percent, precision, shown",
    [
        (99.99, 0, "99"),
        (99.5, 0, "99"),
        (0.01, 0, "1"),
        (0.5, 0, "1"),
        (0.01, 2, "0.01"),
        (0.004, 2, "0.01"),
        (99.996, 2, "99.99"),
        (99.994, 2, "99.99"),
        (12.345, 2, "12.35"),
        (50.0, 2, "50.00"),
        (100.0, 0, "100"),
        (100.0, 2, "100.00"),
        (0.0, 0, "0"),
        (0.0, 2, "0.00"),
        (5e-324, 3, "0.001"),
        (99.99999999999999, 6, "99.999999"),
    ],
)
def test_display_covered_edges(percent: float, precision: int, shown: str) -> None:
    assert display_covered(percent, precision) == shown


def test_negative_precision_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^precision=-1 is invalid\. Must not be negative\.$"):
        display_covered(50.0, -1)


def test_numbers_same_as_coverage() -> None:
    rng = random.Random(7)
    for _ in range(300):
        statements = rng.randint(0, 50)
        branches = rng.choice([0, rng.randint(0, 20)])
        counts = dict(
            n_files=1,
            n_statements=statements,
            n_excluded=rng.randint(0, 5),
            n_missing=rng.randint(0, statements),
            n_branches=branches,
            n_partial_branches=rng.randint(0, branches),
            n_missing_branches=rng.randint(0, branches),
        )
        precision = rng.randint(0, 3)
        ours = Numbers(precision=precision, **counts)
        theirs = coverage.results.Numbers(precision=precision, **counts)
        for attr in (
            "n_executed",
            "n_executed_branches",
            "ratio_covered",
            "pc_covered",
            "pc_statements",
            "pc_branches",
            "pc_covered_str",
            "pc_statements_str",
            "pc_branches_str",
        ):
            assert getattr(ours, attr) == getattr(theirs, attr), attr


def test_numbers_add_up_for_totals() -> None:
    one = Numbers(precision=1, n_files=1, n_statements=10, n_missing=2, n_excluded=1)
    two = Numbers(precision=1, n_files=1, n_statements=5, n_missing=5, n_branches=4, n_missing_branches=1)
    total = sum([one, two])
    assert isinstance(total, Numbers)
    assert (total.n_files, total.n_statements, total.n_missing, total.n_excluded) == (2, 15, 7, 1)
    assert total.ratio_covered == (8 + 3, 15 + 4)
    assert total.pc_covered_str == "57.9"


def test_no_statements_is_100_percent() -> None:
    assert Numbers().pc_covered == 100.0
    assert Numbers(n_statements=3, n_missing=3).pc_covered_str == "0"
    assert Numbers(n_statements=3, n_missing=3).with_precision(2).pc_covered_str == "0.00"


# -- Missing-line ranges


def test_format_lines_collapses_across_non_statements() -> None:
    statements = [1, 2, 3, 4, 5, 10, 11, 12, 13, 14]
    assert format_lines(statements, [1, 2, 5, 10, 11, 13, 14]) == "1-2, 5-11, 13-14"
    assert format_lines(statements, []) == ""
    assert format_lines(statements, [14]) == "14"


def test_format_lines_same_as_coverage() -> None:
    rng = random.Random(11)
    for _ in range(500):
        statements = sorted(rng.sample(range(1, 80), rng.randint(0, 40)))
        lines = [s for s in statements if rng.random() < 0.4]
        arcs = {}
        for line in statements:
            if rng.random() < 0.2:
                arcs[line] = rng.sample([-1, *range(1, 90)], rng.randint(1, 3))
        assert format_lines(statements, lines) == coverage.results.format_lines(statements, lines)
        assert format_lines(statements, lines, arcs.items()) == coverage.results.format_lines(
            statements, lines, arcs.items()
        )


def test_format_lines_with_branches() -> None:
    assert format_lines([1, 2, 3, 5, 9], [3], [(2, [9, 5]), (5, [-1])]) == "2->5, 2->9, 3, 5->exit"


# -- Analysis of files


SOURCE = textwrap.dedent(
    '''\
    """Doc."""
    import sys

    def f(x):
        if x:
            return 1
        # a comment
        return 2

    def g():  # pragma: no cover
        return 3

    class C:
        def m(self):
            y = (
                1,
            )
            return y

    if __name__ == "__main__":
        print(f(1))
    '''
)


@pytest.mark.parametrize(
    "executed",
    [
        [],
        [2, 4, 13],
        [2, 4, 5, 6, 13, 14, 20],
        [2, 4, 5, 6, 8, 13, 14, 15, 16, 18, 20, 21],
        [2, 4, 13, 15, 16, 17, 11, 999],  # lines inside statements, excluded, bogus
    ],
)
def test_analysis_same_as_coverage(tmp_path: Path, executed: list[int]) -> None:
    paths = write_files(tmp_path, {"mod.py": SOURCE})
    path = paths["mod.py"]
    cov = make_coverage({path: executed})
    _, statements, excluded, missing, missing_text = cov.analysis2(path)
    [ours] = covcore_analyses({path: executed})
    assert sorted(ours.statements) == statements
    assert sorted(ours.excluded) == excluded
    assert sorted(ours.missing) == missing
    assert ours.missing_formatted() == missing_text
    assert ours.missing_formatted(branches=True) == missing_text
    theirs = cov._analyze(path).numbers  # pylint: disable=protected-access
    assert dataclasses.asdict(ours.numbers) == dataclasses.asdict(theirs)
    assert ours.numbers.n_files == 1


def test_analysis_maps_executed_lines_to_statement_starts(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"mod.py": SOURCE})
    [analysis] = covcore_analyses({paths["mod.py"]: [2, 4, 13, 16]})
    assert 15 in analysis.executed
    assert analysis.missing_formatted() == "5-8, 14, 18-21"


def test_analysis_of_file_without_data(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"mod.py": "x = 1\ny = 2\n"})
    data = StandInData(lines={"/elsewhere.py": [1]})
    analysis = analyze(data, paths["mod.py"], [])
    assert analysis.executed == set()
    assert analysis.missing_formatted() == "1-2"
    assert analysis.numbers.pc_covered == 0.0


def test_analyze_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    # The analysis runs without the cyclic GC; after it, the GC is on again
    # and what the program froze stays frozen (none of it unfrozen by the
    # analysis moving its own objects to the oldest generation).
    paths = write_files(tmp_path, {"mod.py": "x = 1\nif x:\n    y = 2\n"})
    data = StandInData(arcs={paths["mod.py"]: [(-1, 1), (1, 2), (2, 3), (3, -1)]})
    clear_parse_cache()
    frozen: list[object] = []
    gc.collect()
    gc.freeze()
    try:
        analysis = analyze(data, paths["mod.py"], [])
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        assert all(tracked is not frozen for tracked in gc.get_objects())    # (the frozen aren't listed)
    finally:
        gc.unfreeze()
    assert any(tracked is frozen for tracked in gc.get_objects())
    clear_parse_cache()
    analysis = analyze(data, paths["mod.py"], [])
    assert analysis.numbers.n_branches == 2
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_analyze_missing_source_is_nosource(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.py")
    data = StandInData(lines={missing: [1]})
    with pytest.raises(NoSource) as exc_info:
        analyze(data, missing, [])
    assert str(exc_info.value) == f"No source for code: '{missing}'."


def test_analyze_bad_python_is_notpython(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"bad.py": "def (:\n"})
    with pytest.raises(NotPython, match=r"^Couldn't parse '.*bad\.py' as Python source"):
        analyze(StandInData(lines={paths["bad.py"]: [1]}), paths["bad.py"], [])


def test_analyze_pyc_reports_its_source(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"mod.py": "x = 1\ny = 2\n"})
    pyc = paths["mod.py"] + "c"
    analysis = analyze(StandInData(lines={pyc: [1]}), pyc, [])
    assert analysis.filename == pyc
    assert analysis.statements == {1, 2}
    assert analysis.missing == {2}


def test_parsing_is_cached_per_file_and_regexes(tmp_path: Path) -> None:
    clear_parse_cache()
    paths = write_files(tmp_path, {"mod.py": "x = 1  # skip\ny = 2\n"})
    path = paths["mod.py"]
    first = get_parser(path, ["# skip"])
    assert get_parser(path, ["# skip"]) is first
    assert get_parser(path, []) is not first
    assert first.statements == {2}


def test_changed_file_is_parsed_again(tmp_path: Path) -> None:
    clear_parse_cache()
    paths = write_files(tmp_path, {"mod.py": "x = 1\n"})
    path = paths["mod.py"]
    assert get_parser(path, []).statements == {1}
    Path(path).write_text("x = 1\ny = 2\nz = 3\n", encoding="utf-8")
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert get_parser(path, []).statements == {1, 2, 3}


def test_custom_exclusions_in_analysis(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"mod.py": SOURCE})
    path = paths["mod.py"]
    regexes = [r"class C:", r"print\("]
    cov = make_coverage({path: [2, 4]}, exclude=regexes)
    [ours] = covcore_analyses({path: [2, 4]}, exclude=regexes)
    _, statements, excluded, missing, _ = cov.analysis2(path)
    assert (sorted(ours.statements), sorted(ours.excluded), sorted(ours.missing)) == (
        statements,
        excluded,
        missing,
    )


# -- Branch arithmetic, on the arcs of coverage.py's parser (covcore's own are
# compared with them in test_arcs.py)

BRANCHY = textwrap.dedent(
    """\
    def f(x):
        if x:
            a = 1
        else:
            a = 2
        for i in range(x):
            if i > 3:  # pragma: no branch
                break
        while x:
            x -= 1
        return a

    f(0)
    """
)


@pytest.mark.parametrize("seed", range(12))
def test_branch_numbers_same_as_coverage(seed: int) -> None:
    parser = coverage_parser(BRANCHY)
    possible = parser.arcs()
    rng = random.Random(seed)
    executed_arcs = {arc for arc in possible if rng.random() < 0.6}
    executed_lines = {n for arc in executed_arcs for n in arc if n > 0}
    no_branch = parser.lines_matching(r"#\s*pragma: no branch")
    common = dict(
        statements=parser.statements,
        excluded=parser.excluded,
        executed=executed_lines & parser.statements,
        exit_counts=dict(parser.exit_counts()),
        no_branch=no_branch,
    )
    theirs = coverage.results.Analysis(
        precision=1,
        filename="x.py",
        has_arcs=True,
        arc_possibilities_set=possible,
        arcs_executed_set=executed_arcs,
        **common,
    )
    ours = Analysis(
        filename="x.py",
        has_arcs=True,
        arc_possibilities=possible,
        arcs_executed=executed_arcs,
        precision=1,
        **common,
    )
    assert dataclasses.asdict(ours.numbers) == dataclasses.asdict(theirs.numbers)
    assert ours.missing_formatted(branches=True) == theirs.missing_formatted(branches=True)
    assert dict(ours.missing_branch_arcs()) == dict(theirs.missing_branch_arcs())
    assert dict(ours.executed_branch_arcs()) == dict(theirs.executed_branch_arcs())
    assert ours.arcs_missing() == theirs.arcs_missing()

    regions = [set(range(2, 6)), set(range(6, 12)), {13}]
    narrower = coverage.results.AnalysisNarrower(theirs)
    narrower.add_regions(regions)
    for ours_part, lines in zip(ours.narrowed(regions), regions):
        theirs_part = narrower.narrow(lines)
        assert dataclasses.asdict(ours_part.numbers) == dataclasses.asdict(theirs_part.numbers)
        assert dict(ours_part.missing_branch_arcs()) == dict(theirs_part.missing_branch_arcs())


def test_line_data_has_no_branch_numbers(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"mod.py": BRANCHY})
    [analysis] = covcore_analyses({paths["mod.py"]: [1, 13]})
    assert not analysis.has_arcs
    nums = analysis.numbers
    assert (nums.n_branches, nums.n_partial_branches, nums.n_missing_branches) == (0, 0, 0)

"""Coverage results: what ran and what did not, per file and in total.

:class:`Analysis` joins the measured data of one file with the static
analysis of its source (:class:`covcore.parser.PythonParser`): statements,
excluded lines, executed and missing lines, and, for branch data, possible
and executed arcs.  :class:`Numbers` holds the counts and percentages, and
adds up across files for totals.  :func:`analyze` is the usual way in: it
reads and parses a file (parsing is cached) and builds its Analysis.

Numbers, percentages and the "missing" text equal coverage.py 7.17's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import decimal
import functools
import gc
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain, groupby
from operator import itemgetter
from typing import Any, NamedTuple, Protocol

from covcore.config import DEFAULT_PARTIAL, DEFAULT_PARTIAL_ALWAYS
from covcore.exceptions import ConfigError
from covcore.parser import PythonParser, join_regex, source_file_for
from covcore.regions import CodeRegion
from covcore.types import TArc, TLineNo


class CoverageDataLike(Protocol):
    """What analysis needs from measured data (covcore.data.CoverageData has it)."""

    def measured_files(self) -> set[str]:
        """The names of the files with data."""

    def lines(self, filename: str) -> Iterable[TLineNo] | None:
        """The executed lines of `filename`, or None if it has no data."""

    def arcs(self, filename: str) -> Iterable[TArc] | None:
        """The executed arcs of `filename`, or None if there are none."""

    def has_arcs(self) -> bool:
        """Was branch (arc) data measured?"""


def display_covered(percent: float, precision: int) -> str:
    """Format a coverage percentage with `precision` decimals, no ``%`` sign.

    Rounding never shows "0" unless nothing is covered, nor "100" unless
    everything is: values near the ends show as e.g. "0.1" or "99.9".
    A negative precision is a :class:`ConfigError`.
    """
    if precision < 0:
        raise ConfigError(f"precision={precision} is invalid. Must not be negative.")
    # Work in units of the last shown digit: "12.34" is 1234 units.
    units = int(f"{percent:.{precision}f}".replace(".", ""))
    everything = 100 * 10**precision
    # coverage.py's rule: "0" only when nothing is covered, "100" only when all is.
    if units == 0 and percent > 0:
        units = 1
    elif units == everything and percent < 100:
        units = everything - 1
    if precision == 0:
        return str(units)
    whole, fraction = divmod(units, 10**precision)
    return f"{whole}.{fraction:0{precision}d}"


def percentage(text: str) -> float:
    """A fail-under threshold given as text: a number from 0 to 100 (not nan or inf).

    Raises ValueError with the reason, as coverage.py refuses the same values.
    """
    value = float(text)
    if not 0 <= value <= 100:       # nan fails this too
        raise ValueError(f"{text} is not a percentage between 0 and 100")
    return value


def fail_under_precision(fail_under: float, precision: int) -> int:
    """The decimals a fail-under check counts: `precision`, or more if the
    threshold has more (``89.55`` counts two)."""
    if fail_under == int(fail_under):
        return precision
    exponent = decimal.Decimal(str(fail_under)).as_tuple().exponent
    return max(precision, -int(exponent))


def should_fail_under(total: float, fail_under: float, precision: int) -> bool:
    """Is the total percent `total` under the `fail_under` threshold?

    The total is rounded to the decimals the check counts, so 89.5 passes a
    threshold of 90 at precision 0; a threshold of 100 needs everything
    covered.  A threshold outside 0-100 is a :class:`ConfigError`.  (coverage.py's rules.)
    """
    if not 0 <= fail_under <= 100.0:
        raise ConfigError(f"fail_under={fail_under} is invalid. Must be between 0 and 100.")
    if fail_under == 100.0 and total != 100.0:
        return True
    return round(total, fail_under_precision(fail_under, precision)) < fail_under


def fail_under_message(total: float, fail_under: float, precision: int) -> str:
    """"total of 89.5 is less than fail-under=89.6": both numbers as the check counted them."""
    precision = fail_under_precision(fail_under, precision)
    if fail_under == 100.0 and total != 100.0:
        shown = display_covered(total, precision)  # never "100" when something is missing
    else:
        shown = f"{round(total, precision):.{precision}f}"
    return f"total of {shown} is less than fail-under={fail_under:.{precision}f}"


def _percent(numerator: int, denominator: int) -> float:
    """100 * numerator / denominator, or 100.0 when there is nothing to count."""
    if denominator > 0:
        return (100.0 * numerator) / denominator
    return 100.0


@dataclasses.dataclass
class Numbers:
    """The counts for one file, one region, or a total of files.

    `precision` is the number of decimals of the ``*_str`` percentages.
    Branch counts are 0 for line data.
    """

    precision: int = 0
    n_files: int = 0
    n_statements: int = 0
    n_excluded: int = 0
    n_missing: int = 0
    n_branches: int = 0
    n_partial_branches: int = 0
    n_missing_branches: int = 0

    def with_precision(self, precision: int) -> Numbers:
        """The same numbers, shown with `precision` decimals."""
        return dataclasses.replace(self, precision=precision)

    @property
    def n_executed(self) -> int:
        """Executed statements."""
        return self.n_statements - self.n_missing

    @property
    def n_executed_branches(self) -> int:
        """Executed branches."""
        return self.n_branches - self.n_missing_branches

    @property
    def ratio_covered(self) -> tuple[int, int]:
        """Covered and coverable items: statements and branches together."""
        return (
            self.n_executed + self.n_executed_branches,
            self.n_statements + self.n_branches,
        )

    @property
    def pc_covered(self) -> float:
        """Percentage covered, statements and branches together (100.0 if empty)."""
        return _percent(*self.ratio_covered)

    @property
    def pc_statements(self) -> float:
        """Percentage of statements covered."""
        return _percent(self.n_executed, self.n_statements)

    @property
    def pc_branches(self) -> float:
        """Percentage of branches covered."""
        return _percent(self.n_executed_branches, self.n_branches)

    @property
    def pc_covered_str(self) -> str:
        """:attr:`pc_covered` for display (see :func:`display_covered`)."""
        return display_covered(self.pc_covered, self.precision)

    @property
    def pc_statements_str(self) -> str:
        """:attr:`pc_statements` for display."""
        return display_covered(self.pc_statements, self.precision)

    @property
    def pc_branches_str(self) -> str:
        """:attr:`pc_branches` for display."""
        return display_covered(self.pc_branches, self.precision)

    def __add__(self, other: Numbers) -> Numbers:
        """The sum of two sets of counts, with this one's precision."""
        return Numbers(
            self.precision,
            self.n_files + other.n_files,
            self.n_statements + other.n_statements,
            self.n_excluded + other.n_excluded,
            self.n_missing + other.n_missing,
            self.n_branches + other.n_branches,
            self.n_partial_branches + other.n_partial_branches,
            self.n_missing_branches + other.n_missing_branches,
        )

    def __radd__(self, other: int) -> Numbers:
        """Allow ``sum(numbers)``: 0 + numbers is numbers."""
        if other != 0:
            return NotImplemented
        return self


def _nice_pair(first: TLineNo, last: TLineNo) -> str:
    """``"5"`` for a single line, ``"5-9"`` for a range."""
    return str(first) if first == last else f"{first}-{last}"


def format_lines(
    statements: Iterable[TLineNo],
    lines: Iterable[TLineNo],
    arcs: Iterable[tuple[TLineNo, list[TLineNo]]] | None = None,
) -> str:
    """Describe `lines` (a subset of `statements`) as ranges: ``"1-2, 5-11, 13"``.

    A range runs over consecutive *statements*: lines that are not
    statements (blanks, comments, excluded lines) do not break it.  `arcs`,
    if given, are ``(line, [destinations])`` of missing branches; each is
    shown as ``"line->dest"`` (``"line->exit"`` for negative destinations)
    unless its line is one of `lines`.
    """
    wanted = set(lines)
    items: list[tuple[TLineNo, str]] = []
    start: TLineNo | None = None
    end: TLineNo = 0
    for stmt in sorted(statements):
        if stmt in wanted:
            if start is None:
                start = stmt
            end = stmt
        elif start is not None:
            items.append((start, _nice_pair(start, end)))
            start = None
    if start is not None:
        items.append((start, _nice_pair(start, end)))
    if arcs is not None:
        for line, exits in sorted(arcs):
            for dest in sorted(exits):
                if line not in wanted and dest not in wanted:
                    shown = str(dest) if dest > 0 else "exit"
                    items.append((line, f"{line}->{shown}"))
    return ", ".join(text for _, text in sorted(items))


@dataclasses.dataclass
class Analysis:
    """The coverage results of one file.

    Built by :func:`analyze` or :meth:`from_parser`.  `statements`,
    `excluded` and `executed` are line numbers (first lines of statements);
    :attr:`missing` and :attr:`numbers` are derived.  The branch fields are
    empty for line data.  `regions` (functions and classes) and `num_lines`
    (lines of source) serve the JSON report; `data` is where the results
    came from, for reports that show contexts.
    """

    filename: str
    statements: set[TLineNo]
    excluded: set[TLineNo]
    executed: set[TLineNo]
    has_arcs: bool = False
    arc_possibilities: set[TArc] = dataclasses.field(default_factory=set)
    arcs_executed: set[TArc] = dataclasses.field(default_factory=set)
    exit_counts: dict[TLineNo, int] = dataclasses.field(default_factory=dict)
    no_branch: set[TLineNo] = dataclasses.field(default_factory=set)
    precision: int = 0
    #: None until :meth:`code_regions` works them out (only the JSON and
    #: HTML reports ask).
    regions: list[CodeRegion] | None = None
    num_lines: int = 0
    data: CoverageDataLike | None = dataclasses.field(default=None, repr=False)
    parser: PythonParser | None = dataclasses.field(default=None, repr=False)
    #: For a file a coverage.py plug-in measured: its FileReporter (parser is None then).
    reporter: Any = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.missing: set[TLineNo] = self.statements - self.executed
        n_branches = n_partial = n_missing_branches = 0
        self._missing_branches: dict[TLineNo, list[TLineNo]] = {}
        if self.has_arcs:
            n_branches = sum(count for count in self.exit_counts.values() if count > 1)
            self._missing_branches = self._find_missing_branch_arcs()
            for line, dests in self._missing_branches.items():
                n_missing_branches += len(dests)
                if line not in self.missing:
                    n_partial += len(dests)
        self.numbers = Numbers(
            precision=self.precision,
            n_files=1,
            n_statements=len(self.statements),
            n_excluded=len(self.excluded),
            n_missing=len(self.missing),
            n_branches=n_branches,
            n_partial_branches=n_partial,
            n_missing_branches=n_missing_branches,
        )

    @classmethod
    def from_parser(
        cls,
        data: CoverageDataLike,
        filename: str,
        parser: PythonParser,
        precision: int = 0,
        partial_regexes: Iterable[str] | None = None,
    ) -> Analysis:
        """Combine `data` measured for `filename` with its parsed source.

        `partial_regexes` mark the lines whose branches are never reported
        missing (default: the ``pragma: no branch`` comment and loops and
        tests on constants, :data:`covcore.config.DEFAULT_PARTIAL` and
        :data:`~covcore.config.DEFAULT_PARTIAL_ALWAYS`).
        """
        has_arcs = data.has_arcs()
        measured_lines, measured_arcs = _measured(data, filename, has_arcs)
        executed = parser.translate_lines(measured_lines) & parser.statements
        possible: set[TArc] = set()
        arcs_executed: set[TArc] = set()
        exit_counts: dict[TLineNo, int] = {}
        no_branch: set[TLineNo] = set()
        if has_arcs:
            possible = parser.arcs()
            arcs_executed = executed_arcs(parser, measured_arcs, possible)
            exit_counts = parser.exit_counts()
            if partial_regexes is None:
                partial_regexes = DEFAULT_PARTIAL + DEFAULT_PARTIAL_ALWAYS
            no_branch = no_branch_lines(parser, partial_regexes)
        return cls(
            filename=filename,
            statements=set(parser.statements),
            excluded=set(parser.excluded),
            executed=executed,
            has_arcs=has_arcs,
            arc_possibilities=possible,
            arcs_executed=arcs_executed,
            exit_counts=exit_counts,
            no_branch=no_branch,
            precision=precision,
            num_lines=len(parser.text.splitlines()),
            data=data,
            parser=parser,
        )

    def code_regions(self) -> list[CodeRegion]:
        """The functions and classes of the file (worked out on the first call)."""
        if self.regions is None:
            self.regions = self.parser.code_regions() if self.parser is not None else []
        return self.regions

    def source_text(self) -> str:
        """The file's source, as the parser or the plug-in's reporter reads it."""
        if self.parser is not None:
            return self.parser.text
        return str(self.reporter.source()) if self.reporter is not None else ""

    def missing_branch_descriptions(self) -> dict[TArc, str]:
        """Each missing branch arc -> a sentence for the user saying why it
        matters, e.g. "line 12 didn't jump to line 15 because the condition
        on line 12 was always true"."""
        parser = self.parser
        result: dict[TArc, str] = {}
        for start, ends in sorted(self.missing_branch_arcs().items()):
            for end in ends:
                if parser is not None:
                    result[(start, end)] = parser.missing_arc_description(start, end)
                elif self.reporter is not None:
                    result[(start, end)] = str(self.reporter.missing_arc_description(start, end))
                else:
                    shown = f"line {end}" if end > 0 else "the function exit"
                    result[(start, end)] = f"line {start} didn't jump to {shown}"
        return result

    def missing_formatted(self, branches: bool = False) -> str:
        """The missing lines as ranges, e.g. ``"1-3, 7"``.

        With `branches` (and branch data), partial branches are added as
        ``"5->7"``.
        """
        arcs = self.missing_branch_arcs().items() if branches and self.has_arcs else None
        return format_lines(self.statements, self.missing, arcs=arcs)

    def _branch_lines(self) -> set[TLineNo]:
        """Lines with more than one possible exit."""
        return {line for line, count in self.exit_counts.items() if count > 1}

    def arcs_missing(self) -> list[TArc]:
        """Possible arcs that did not run, sorted (not from "no branch" lines)."""
        return sorted(
            arc
            for arc in self.arc_possibilities
            if arc not in self.arcs_executed
            and arc[0] not in self.no_branch
            and arc[1] not in self.excluded
        )

    def missing_branch_arcs(self) -> dict[TLineNo, list[TLineNo]]:
        """Branch line -> destinations not taken, in order (worked out once,
        with the numbers: don't change it)."""
        return self._missing_branches

    def _find_missing_branch_arcs(self) -> dict[TLineNo, list[TLineNo]]:
        counts = self.exit_counts
        # The branch lines (more than one exit), less the "no branch" ones.
        lines = {line for line, count in counts.items() if count > 1}.difference(self.no_branch)
        unrun = [arc for arc in self.arc_possibilities - self.arcs_executed if arc[0] in lines]
        if self.excluded:
            excluded = self.excluded
            unrun = [arc for arc in unrun if arc[1] not in excluded]
        unrun.sort()
        return {start: [end for _, end in arcs] for start, arcs in groupby(unrun, itemgetter(0))}

    def executed_branch_arcs(self) -> dict[TLineNo, list[TLineNo]]:
        """Branch line -> destinations taken (possible ones only)."""
        branch_lines = self._branch_lines()
        taken: dict[TLineNo, list[TLineNo]] = defaultdict(list)
        for start, end in sorted(self.arcs_executed):
            if (start, end) in self.arc_possibilities and start in branch_lines:
                taken[start].append(end)
        return taken

    def narrowed(self, line_sets: list[set[TLineNo]]) -> list[Analysis]:
        """One Analysis per set of lines, each counting only those lines.

        An arc counts in a narrowed analysis when either end is in its lines.
        Work is linear in the size of the file and of the sets together.
        """
        arcs_at: dict[TLineNo, list[TArc]] = defaultdict(list)
        executed_at: dict[TLineNo, list[TArc]] = defaultdict(list)
        if self.has_arcs:
            for arcs, index in ((self.arc_possibilities, arcs_at), (self.arcs_executed, executed_at)):
                for arc in arcs:
                    index[arc[0]].append(arc)
                    if arc[1] != arc[0]:
                        index[arc[1]].append(arc)
        results = []
        for lines in line_sets:
            possible: set[TArc] = set()
            executed: set[TArc] = set()
            if self.has_arcs:
                for line in lines:
                    possible.update(arcs_at.get(line, ()))
                    executed.update(executed_at.get(line, ()))
            results.append(
                dataclasses.replace(
                    self,
                    statements=self.statements & lines,
                    excluded=self.excluded & lines,
                    executed=self.executed & lines,
                    arc_possibilities=possible,
                    arcs_executed=executed,
                    exit_counts={k: v for k, v in self.exit_counts.items() if k in lines},
                    no_branch=self.no_branch & lines,
                    regions=[],
                )
            )
        return results


    def by_region(self, kind: str) -> list[RegionPart]:
        """This file split by its regions of `kind` (``"function"`` or ``"class"``).

        One part per region, in :attr:`regions` order, then one for the
        lines in none of them (named ``""``, starting at its lowest line, 1
        if it has none): the breakdown of coverage.py's JSON and HTML reports.
        """
        chosen = [region for region in self.code_regions() if region.kind == kind]
        claimed = set[TLineNo]().union(*(region.lines for region in chosen))
        rest = set(range(1, self.num_lines + 1)).difference(claimed)
        analyses = self.narrowed([region.lines for region in chosen] + [rest])
        heads = [(region.name, region.start, region.lines) for region in chosen] + [("", min(rest, default=1), rest)]
        return [RegionPart(name, start, part, lines) for (name, start, lines), part in zip(heads, analyses)]


class RegionPart(NamedTuple):
    """The results of one function or class, or of the lines outside them all."""

    #: Dotted name; ``""`` for the lines outside every region of the kind.
    name: str
    #: The ``def`` or ``class`` line; for the outside lines, the first of them.
    start: TLineNo
    analysis: Analysis
    #: Every line the part accounts for (blank lines included).
    lines: set[TLineNo]


def _measured(data: CoverageDataLike, filename: str, has_arcs: bool) -> tuple[Iterable[TLineNo], Iterable[TArc]]:
    """The lines and arcs measured in `filename`, unsorted when `data` can
    give them so (covcore's CoverageData: sorting a million arcs is a good
    part of a report).  With arc data the lines may hold the arcs' negative
    ends too (code object entries and exits): they match no statement."""
    items_of = getattr(data, "measured_items", None)
    if items_of is None:
        return data.lines(filename) or (), data.arcs(filename) or ()
    items = items_of(filename) or set()
    if has_arcs:
        return set(chain.from_iterable(items)), items
    return items, ()


def executed_arcs(
    parser: PythonParser, measured: Iterable[TArc], possible: set[TArc]
) -> set[TArc]:
    """The measured arcs of a file as reports count them.

    ``with`` exits are rewritten and lines mapped to first lines (see
    :meth:`PythonParser.translate_arcs`).  An arc that stays on one line
    (several statements sharing it, or a loop on one line) is read as the
    line's only possible onward arc when it has just one, and dropped
    otherwise.
    """
    arcs = _onward(parser.translate_arcs(measured), possible)
    # (A file's arcs number in the millions: no copy when nothing changes.)
    return parser.translate_arcs(arcs) if parser.translates_arcs() else arcs


def onward_arcs(measured: Iterable[TArc], possible: Iterable[TArc]) -> set[TArc]:
    """`measured` with each arc that stays on one line read as that line's
    only possible onward arc, when it has just one, and dropped otherwise."""
    return _onward(set(measured), possible)


def _onward(kept: set[TArc], possible: Iterable[TArc]) -> set[TArc]:
    """:func:`onward_arcs`, changing `kept` (returned)."""
    same_line = {start for start, end in kept if start == end}
    if same_line:
        kept.difference_update((line, line) for line in same_line)
        destinations: dict[TLineNo, set[TLineNo]] = defaultdict(set)
        for start, end in possible:
            if start in same_line:
                destinations[start].add(end)
        for start, ends in destinations.items():
            if len(ends) == 1:
                kept.add((start, next(iter(ends))))
    return kept


def no_branch_lines(parser: PythonParser, regexes: Iterable[str]) -> set[TLineNo]:
    """The lines whose branches are not reported missing: those `regexes` match.

    No regexes at all match every line, as in coverage.py (its joined regex
    is then empty, which matches everywhere).
    """
    regex = join_regex(regexes)
    if regex is None:
        return parser.first_lines(range(1, parser.text.count("\n") + 2))
    return parser.lines_matching(regex)


@functools.lru_cache(maxsize=128)
def _parsed(source: str, exclude: str | None, stamp: tuple[int, int] | None, branch: bool) -> PythonParser:
    """Parse one source file (cached; `stamp` changes when the file does)."""
    parser = PythonParser(filename=source, exclude=exclude, keep_tree=False, branch=branch)
    parser.parse_source()
    return parser


def clear_parse_cache() -> None:
    """Forget the files parsed so far."""
    _parsed.cache_clear()


def get_parser(filename: str, exclude_regexes: Iterable[str], branch: bool = False) -> PythonParser:
    """The parsed source of measured file `filename` (cached per file).

    A long file is analyzed in slices, its tree not kept (see
    :class:`PythonParser`); with `branch`, its arcs are found in the same pass.

    Raises NoSource when the source cannot be found, NotPython when it does
    not parse.
    """
    source = source_file_for(filename)
    try:
        stat = os.stat(source)
        stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = None
    return _parsed(source, join_regex(exclude_regexes), stamp, branch)


@contextlib.contextmanager
def cycles_uncollected() -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector off.

    Analyzing a file makes millions of objects (a syntax tree, sets of
    lines and arcs) that hold no reference cycles; the collector, set off by
    the number made, would go through all of them again and again (more
    than half the time of a branch report of a 200,000-line file).  What
    the block leaves in cycles is collected after it, as usual.

    The objects made meanwhile that are still alive are moved to the oldest
    generation as they are (``gc.freeze`` then ``gc.unfreeze``), not
    examined one by one by the first collection after (3% of that report),
    unless objects were frozen before (``unfreeze`` would free them too).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if not gc.get_freeze_count():
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def analyze(
    data: CoverageDataLike,
    filename: str,
    exclude_regexes: list[str],
    precision: int = 0,
    partial_regexes: Iterable[str] | None = None,
) -> Analysis:
    """Analyze measured file `filename`: its source against `data`.

    `exclude_regexes` are the ``exclude_lines`` regexes (see
    :data:`covcore.config.DEFAULT_EXCLUDE`); `partial_regexes` mark lines
    whose branches are not reported missing (see :meth:`Analysis.from_parser`).
    Raises NoSource ("No source for code: '<path>'.") when the source is
    missing and NotPython when it does not parse.
    """
    with cycles_uncollected():
        parser = get_parser(filename, exclude_regexes, branch=data.has_arcs())
        return Analysis.from_parser(data, filename, parser, precision, partial_regexes)

"""A long file analyzed in slices gives what the whole file gives, branches included.

The parser analyzes a file of 2 x ``covcore.parser.SLICE_LINES`` lines or
more a slice of whole top-level statements at a time (lowered here so that
small files are cut, at many points).  Line results were already checked
that way in test_parser.py; here the branch analysis: possible arcs, exit
counts, the sentence for every arc, and measured arcs as reports count them
(``with`` exits rewritten), on snippets and on standard library files.
"""

from __future__ import annotations

import os
import sys

import pytest

import covcore.parser
from covcore.arcs import ArcFinder
from covcore.parser import DEFAULT_EXCLUDE, PythonParser, join_regex

from test_parser import SLICED_FILE, SNIPPETS, _snippet, _stdlib_sample

REGEX = join_regex(DEFAULT_EXCLUDE)


def _whole(text: str) -> PythonParser:
    parser = PythonParser(text=text, exclude=REGEX)
    parser.parse_source()
    return parser


def _sliced(text: str, monkeypatch: pytest.MonkeyPatch, size: int) -> PythonParser:
    monkeypatch.setattr(covcore.parser, "SLICE_LINES", size)
    monkeypatch.setattr(covcore.parser, "MAX_SLICES", 10**9)
    parser = PythonParser(text=text, exclude=REGEX, keep_tree=False, branch=True)
    parser.parse_source()
    monkeypatch.undo()
    return parser


def _results(parser: PythonParser, measured: set[tuple[int, int]]) -> dict[str, object]:
    """Everything a branch report takes from a parser."""
    arcs = parser.arcs()
    return {
        "statements": parser.statements,
        "excluded": parser.excluded,
        "multiline": parser.multiline_map,
        "arcs": arcs,
        "exit_counts": parser.exit_counts(),
        "missing sentences": {arc: parser.missing_arc_description(*arc) for arc in arcs},
        "actions": {arc: parser.arc_description(*arc) for arc in arcs},
        "measured as counted": parser.translate_arcs(measured),
        "regions": [(r.kind, r.name, r.start, sorted(r.lines)) for r in parser.code_regions()],
    }


def _raw_arcs(whole: PythonParser) -> set[tuple[int, int]]:
    """Arcs as a tracer records them: the analyzer's, before ``with`` exits are rewritten."""
    assert whole.ast_root is not None
    finder = ArcFinder(whole.ast_root, whole.raw_statements, whole.multiline_map)
    finder.analyze()
    return set(finder.arcs)


def _compare(text: str, monkeypatch: pytest.MonkeyPatch, size: int) -> PythonParser:
    whole = _whole(text)
    sliced = _sliced(text, monkeypatch, size)
    measured = _raw_arcs(whole)
    theirs, ours = _results(whole, measured), _results(sliced, measured)
    for name in theirs:
        assert ours[name] == theirs[name], name
    return sliced


@pytest.mark.parametrize("size", [3, 4, 6, 10])
def test_a_file_in_slices_has_the_arcs_of_the_whole(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    sliced = _compare(SLICED_FILE, monkeypatch, size)
    assert sliced.ast_root is None              # analyzed in slices, no tree kept


WITH_AND_LOOPS = '''\
import contextlib
x = 0
with contextlib.nullcontext():
    x += 1
with contextlib.nullcontext() as a, contextlib.nullcontext():
    with contextlib.nullcontext():
        x += 2
for i in range(3):
    if i:
        continue
    x += i
else:
    x = -x
while x:
    x -= 1
    if x == 5:
        break
try:
    x = 1 / x
except ZeroDivisionError:
    x = 0
finally:
    x += 1
if x:
    pass
elif x > 3:
    x = 3
class K:
    def f(self):
        with open(__file__) as f:
            return f.read()
with contextlib.nullcontext():
    y = 1
z = 2
'''


@pytest.mark.parametrize("size", [2, 3, 5, 8])
def test_with_loops_and_try_in_slices(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    _compare(WITH_AND_LOOPS, monkeypatch, size)


@pytest.mark.parametrize("most", [2, 3, 5])
def test_a_file_in_at_most_max_slices_has_the_arcs_of_the_whole(most: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Past MAX_SLICES slices of SLICE_LINES, the slices grow with the file
    # (each is parsed with the lines before it blank: their number bounds that cost).
    whole = _whole(WITH_AND_LOOPS)
    monkeypatch.setattr(covcore.parser, "SLICE_LINES", 2)
    monkeypatch.setattr(covcore.parser, "MAX_SLICES", most)
    sliced = PythonParser(text=WITH_AND_LOOPS, exclude=REGEX, keep_tree=False, branch=True)
    sliced.parse_source()
    monkeypatch.undo()
    assert sliced.ast_root is None
    assert sliced._slice_starts is not None and 2 <= len(sliced._slice_starts) <= most
    measured = _raw_arcs(whole)
    theirs, ours = _results(whole, measured), _results(sliced, measured)
    for name in theirs:
        assert ours[name] == theirs[name], name


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippets_in_slices_have_the_arcs_of_the_whole(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _snippet(name)
    for size in (2, 3, 7):
        _compare(text, monkeypatch, size)


@pytest.mark.parametrize("text", [
    # The slice after a cut starts with a statement the compiler makes no code for.
    'x = 1\ny = 2\nz = 3\nw = 4\n"a string"\nv = 5\nu = 6\nt = 7\n',
    "x = 1\ny = 2\nz = 3\nw = 4\nif 0:\n    v = 5\nu = 6\nt = 7\n",
])
def test_a_cut_before_a_statement_without_code_analyzes_the_whole(
    text: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sliced = _compare(text, monkeypatch, 2)
    # (3.11 makes code for a string statement at module level: a NOP.)
    assert (sliced.ast_root is None) == (5 in _whole(text).raw_statements)


def test_a_sliced_line_analysis_finds_arcs_on_demand(monkeypatch: pytest.MonkeyPatch) -> None:
    # Analyzed in slices for a line report, then asked for arcs: sliced again, with them.
    monkeypatch.setattr(covcore.parser, "SLICE_LINES", 4)
    monkeypatch.setattr(covcore.parser, "MAX_SLICES", 10**9)
    sliced = PythonParser(text=WITH_AND_LOOPS, exclude=REGEX, keep_tree=False)
    sliced.parse_source()
    monkeypatch.undo()
    whole = _whole(WITH_AND_LOOPS)
    assert sliced.arcs() == whole.arcs()
    assert sliced.ast_root is None


def _stdlib_long_files() -> list[str]:
    """Standard library files of 150 lines or more, from the test_parser sample."""
    files = []
    for path in _stdlib_sample():
        try:
            with open(path, encoding="utf-8") as f:
                if sum(1 for _ in f) >= 150:
                    files.append(path)
        except (UnicodeDecodeError, OSError):
            continue
    return files


@pytest.mark.parametrize("size", [7, 40, 400])
def test_stdlib_files_in_slices_have_the_arcs_of_the_whole(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every file of the sample, cut every `size` lines (where a top-level
    # statement starts), gives the whole file's branch results; a file
    # that doesn't parse says so the same way.
    files = _stdlib_long_files()
    assert len(files) >= 50 or os.environ.get("COVCORE_ALL_STDLIB") == "1"
    sliced_files = long_files = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        long_files += text.count("\n") >= 2 * size
        try:
            whole = _whole(text)
        except covcore.exceptions.NotPython:
            with pytest.raises(covcore.exceptions.NotPython):
                _sliced(text, monkeypatch, size)
            continue
        sliced = _sliced(text, monkeypatch, size)
        sliced_files += sliced.ast_root is None
        measured = _raw_arcs(whole)
        theirs, ours = _results(whole, measured), _results(sliced, measured)
        different = [name for name in theirs if ours[name] != theirs[name]]
        assert different == [], path
    # Most files long enough are really cut (the rest: future imports,
    # module globals, a cut before a statement without code...).
    assert sliced_files >= long_files // 2, (sliced_files, long_files, sys.version)


# -- A line analysis parses only the statements that need a tree

def _line_results(parser: PythonParser) -> dict[str, object]:
    names = ("statements", "excluded", "raw_statements", "raw_excluded", "raw_docstrings", "multiline_map")
    results: dict[str, object] = {name: getattr(parser, name) for name in names}
    results["regions"] = [(r.kind, r.name, r.start, sorted(r.lines)) for r in parser.code_regions()]
    return results


def _compare_lines(text: str, monkeypatch: pytest.MonkeyPatch, size: int) -> PythonParser:
    whole = _whole(text)
    monkeypatch.setattr(covcore.parser, "SLICE_LINES", size)
    monkeypatch.setattr(covcore.parser, "MAX_SLICES", 10**9)
    # Every slice parsed only in the statements that need the tree, however many.
    monkeypatch.setattr(covcore.parser, "TREE_SHARE", 1.0)
    sliced = PythonParser(text=text, exclude=REGEX, keep_tree=False)
    sliced.parse_source()
    monkeypatch.undo()
    assert _line_results(sliced) == _line_results(whole)
    return sliced


# Slices with no bracket, backslash or triple quote (their logical lines are
# one line each: their trees aren't read for the multi-line map) and slices
# with statements of several lines.
ONE_LINE_AND_NOT = "".join(f"x = {i}\nif x % 3:\n    y = x\nelse:\n    y = -x\n" for i in range(6)) + (
    "z = (1,\n     2)\nw = 3 + \\\n    4\ns = '''a\nb'''\nfor i in [1,\n          2]:\n    t = i\n"
    "u = 'one line'  # a comment\nv = 6\n"
    + "".join(f"x = {i}\nwhile x:\n    x -= 1\n" for i in range(4))
    + 'd = """\n"""\nprint(x)\n'
)


@pytest.mark.parametrize("size", [2, 3, 5, 8])
def test_slices_with_and_without_lines_that_continue(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _compare(ONE_LINE_AND_NOT, monkeypatch, size).multiline_map
    _compare_lines(ONE_LINE_AND_NOT, monkeypatch, size)


PLAIN_AND_NOT = '''\
x = 1
if x % 3:
    y = x
else:
    y = -x
s = """
z = 2
if z:
    q = (
"""
t = (1,
2)(
3)
u = [
4,
]
for i in range(3): v = i; w = v
def f(a):
    return a
@staticmethod
def g():
    return 1
class C:
    def m(self):
        return 2
while x > 5:
    x -= 1
a = 1 + \\
    2
b = 3
'''


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_a_line_analysis_parses_only_what_needs_a_tree(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Strings holding lines that look like statements, brackets left open
    # across lines that look like statements, decorators, a backslash.
    # (A cut in the string makes the whole text analyzed, the same.)
    _compare_lines(PLAIN_AND_NOT, monkeypatch, size)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippets_line_analysis_parsed_in_part(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _snippet(name)
    for size in (1, 2, 3, 7):
        _compare_lines(text, monkeypatch, size)


@pytest.mark.parametrize("size", [7, 40, 400])
def test_stdlib_files_line_analysis_parsed_in_part(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in _stdlib_long_files():
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            _whole(text)
        except covcore.exceptions.NotPython:
            continue
        _compare_lines(text, monkeypatch, size)


def test_a_generated_module_needs_almost_no_tree() -> None:
    # The huge-module benchmark's module: no line of it needs the tree.
    from covcore.logical_lines import LineIndex, tree_runs

    text = "".join(f"x = {i}\nif x % 3:\n    y = x\nelse:\n    y = -x\n" for i in range(1000)) + "print(x, y)\n"
    index = LineIndex(text)
    assert tree_runs(index, 1, index.n_lines, 0.1) == []
    text = text.replace("y = x\n", "y = x  # a comment\n", 1)
    assert tree_runs(LineIndex(text), 1, index.n_lines, 0.1) == [(2, 5)]     # the `if` statement


@pytest.mark.parametrize("text", [
    "x = 1\nif x:\n    y = 2\n",
    "x = 1  # pragma: no cover\nif 0:\n    y = 2\nwhile True:\n    break\n",
    "def f(): ...\nif TYPE_CHECKING:\n    import os\nif x:  # pragma: no branch\n    pass\n",
])
def test_the_default_regexes_skipped_only_where_they_cant_match(text: str) -> None:
    # A default regex isn't run over a text holding none of the strings
    # its matches need; the lines found are those a scan finds.
    import re

    from covcore.config import DEFAULT_PARTIAL, DEFAULT_PARTIAL_ALWAYS

    parser = PythonParser(text=text)
    for regexes in (DEFAULT_EXCLUDE, DEFAULT_PARTIAL + DEFAULT_PARTIAL_ALWAYS, *([r] for r in DEFAULT_EXCLUDE)):
        regex = join_regex(regexes)
        assert regex is not None
        scanned = {text.count("\n", 0, m.start()) + 1 for m in re.finditer(regex, text, flags=re.MULTILINE)}
        assert parser.lines_matching(regex) == scanned

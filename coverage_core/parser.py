"""Static analysis of one Python source file: its statements and excluded lines.

A :class:`PythonParser` reads the text of a file and works out, without
running anything:

* ``raw_statements``: every line number the compiler attaches to bytecode,
  in the module and in every nested code object;
* ``multiline_map``: for each line of a statement that spans several lines,
  the line the statement starts on;
* ``excluded``: lines excluded from measurement by a regex (by default the
  ``# pragma: no cover`` comment), widened to whole blocks when the matching
  line opens a block;
* ``statements``: the executable statements, each counted once at its first
  line, with docstrings and excluded lines removed.

The results equal those of coverage.py 7.17's parser, so reports agree.
The multi-line map comes mostly from the tree (:mod:`covcore.logical_lines`);
a long file whose tree need not be kept is analyzed in slices of whole
top-level statements, so that no more than one slice's tree is in memory
(:data:`SLICE_LINES`), its arcs too when asked (``branch``); a slice of a
line analysis is parsed only in the statements that need a tree
(:data:`TREE_SHARE`).

Branch analysis is built on top of this: :meth:`PythonParser.arcs` runs the
arc analyzer of :mod:`covcore.arcs` over the parsed tree (or over each
slice's, :class:`covcore.arcs.SlicedArcs`), the raw statements
and the multi-line map (once, on demand), and :meth:`PythonParser.exit_counts`,
:meth:`PythonParser.translate_arcs` and
:meth:`PythonParser.missing_arc_description` serve the results and reports.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
import warnings
import zipimport
from collections import Counter
from collections.abc import Iterable, Iterator
from operator import itemgetter
from types import CodeType
from typing import cast

from covcore.arcs import (
    ArcFinder, SlicedArcs, TFragments, WithJumps, describe_action, describe_missing_arc, first_line_arcs,
    is_irrefutable,
)
from covcore.config import DEFAULT_EXCLUDE as DEFAULT_EXCLUDE  # re-exported: the default line exclusions
from covcore.config import DEFAULT_PARTIAL, DEFAULT_PARTIAL_ALWAYS
from covcore.exceptions import NoSource, NotPython
from covcore.logical_lines import (
    LineIndex, NeedTokens, may_span_lines, multiline_from_tree, runs_text, simple_statements, slice_starts,
    tree_runs,
)
from covcore.regions import CodeRegion, code_regions, walk_statements
from covcore.types import TArc, TLineNo

# The nodes whose bodies are code objects of their own.
_CODE_NODES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_CODE_NODE_TYPES = frozenset(_CODE_NODES)

_OPENING_BRACKETS = frozenset("([{")
_CLOSING_BRACKETS = frozenset(")]}")

#: A file of at least twice this many lines is analyzed a slice of about
#: this many lines (of whole top-level statements) at a time, unless its
#: tree is kept (``keep_tree``): its whole tree would cost memory many times
#: the size of the text.  The results are the same (where they might not be,
#: the whole text is analyzed instead).  A slice's tree, while it is made,
#: takes about 2.3 KiB a line (Python 3.11): 28 MiB at this size.
SLICE_LINES = 12_500
#: A file is cut into at most this many slices (longer ones, then).  Each
#: slice is parsed with the lines before it blank, which the parser skips
#: at about 10 ns a line: with slices of a fixed size that would grow with
#: the square of the file's length (n²/2/SLICE_LINES), with this many at
#: most it grows with the length (n * MAX_SLICES / 2), as the slices' trees do.
MAX_SLICES = 40
# What a slice is compiled between: a statement just before its first line
# and one just after its last, so that what the compiler puts at the start
# or the end of a module falls outside the slice's lines.  The one after
# is in the code only when the slice's end can be reached.
_SLICE_EDGE = "_ = 0\n"


#: A slice of a line analysis where at most this share of the lines needs
#: the tree (see :func:`covcore.logical_lines.tree_runs`) is compiled from
#: its text, and only the statements holding those lines are parsed.
TREE_SHARE = 0.1


def _slice_bounds(index: LineIndex, starts: list[TLineNo]) -> Iterator[tuple[TLineNo, TLineNo, str, str]]:
    """Each slice of the text cut at `starts`: its first and last lines, and
    the text to put before and after it (blank lines and an edge statement
    before, an edge statement after; none at the file's ends)."""
    for number, first in enumerate(starts):
        last = starts[number + 1] - 1 if number + 1 < len(starts) else index.n_lines
        head = "\n" * (first - 2) + _SLICE_EDGE if number else ""
        tail = _SLICE_EDGE if last < index.n_lines else ""
        yield first, last, head, tail


class _WholeText(Exception):
    """Analyzing the file in slices could differ from analyzing it whole."""


def join_regex(regexes: Iterable[str]) -> str | None:
    """Combine regexes into one that matches any of them; None if there are none."""
    regexes = list(regexes)
    if not regexes:
        return None
    if len(regexes) == 1:
        return regexes[0]
    return "|".join(f"(?:{regex})" for regex in regexes)


# What a match of a default regex (exclusions, partial branches) holds: one
# of these strings.  A regex of Python's `re` without a literal prefix is
# tried at every position of the text, a few hundred instructions each; a
# text holding none of the strings can't match.
_NEEDED_TEXT: dict[str, tuple[str, ...]] = {
    DEFAULT_EXCLUDE[0]: ("pragma", "PRAGMA"),
    DEFAULT_EXCLUDE[1]: ("...",),
    DEFAULT_EXCLUDE[2]: ("TYPE_CHECKING:",),
    DEFAULT_PARTIAL[0]: ("pragma", "PRAGMA"),
    DEFAULT_PARTIAL_ALWAYS[0]: ("while True:", "while 1:", "while False:", "while 0:"),
    DEFAULT_PARTIAL_ALWAYS[1]: ("if True:", "if 1:", "if False:", "if 0:"),
}
# The default lists joined as the configuration joins them.
for _regexes in (DEFAULT_EXCLUDE, DEFAULT_PARTIAL + DEFAULT_PARTIAL_ALWAYS):
    _NEEDED_TEXT["|".join(f"(?:{regex})" for regex in _regexes)] = tuple(
        piece for regex in _regexes for piece in _NEEDED_TEXT[regex]
    )


def _may_match(regex: str, text: str) -> bool:
    """Could `regex` match in `text`?  False only for a default regex (or
    the defaults joined) whose needed strings the text doesn't hold."""
    needed = _NEEDED_TEXT.get(regex)
    return needed is None or any(piece in text for piece in needed)


def source_file_for(filename: str) -> str:
    """The source file to report for a measured file name (``.pyc`` -> ``.py``)."""
    if filename.endswith((".pyc", ".pyo")):
        return filename[:-1]
    return filename


def _zipped_bytes(filename: str) -> bytes | None:
    """The bytes of `filename` when it names a member of a zip archive, else None."""
    for suffix in (".zip", ".whl", ".egg", ".pex", ".par"):
        archive, found, inner = filename.partition(suffix + os.sep)
        if not found or not os.path.exists(archive + suffix):
            continue
        try:
            return zipimport.zipimporter(archive + suffix).get_data(inner)
        except (zipimport.ZipImportError, OSError):
            return None
    return None


def read_source(filename: str) -> str:
    """Read a Python source file as text, the way coverage.py reads it.

    Line endings become ``\\n``, form feeds become spaces, the PEP 263
    encoding is honoured (undecodable bytes are replaced), and the text ends
    with a newline.  Files inside zip archives can be read too.  A file that
    cannot be found raises :class:`NoSource`; one whose encoding cannot be
    determined raises :class:`NotPython`.
    """
    data: bytes | None = None
    if os.path.exists(filename):
        try:
            with open(filename, "rb") as source_file:
                data = source_file.read()
        except OSError as err:
            raise NoSource(f"No source for code: '{filename}': {err}") from err
    else:
        data = _zipped_bytes(filename)
    if data is None:
        raise NoSource(f"No source for code: '{filename}'.")
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\f", b" ")
    try:
        encoding = tokenize.detect_encoding(iter(data.splitlines(True)).__next__)[0]
    except SyntaxError as err:
        # A bad coding cookie, or non-UTF-8 bytes without one.
        raise NotPython(f"Couldn't parse '{filename}' as Python source: {err.args[0]!r}") from err
    text = data.decode(encoding, "replace")
    if text and not text.endswith("\n"):
        text += "\n"
    return text


def _code_objects(code: CodeType) -> Iterator[CodeType]:
    """`code` and every code object nested in it, at any depth."""
    pending = [code]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(const for const in current.co_consts if isinstance(const, CodeType))


def _bytecode_lines(code: CodeType) -> set[TLineNo]:
    """Every line number `code` and the code objects in it refer to."""
    lines: set[TLineNo] = set()
    for obj in _code_objects(code):
        # Deferred annotations (3.14+) are almost never run: not statements.
        if obj.co_name == "__annotate__":
            continue
        lines.update(map(itemgetter(2), obj.co_lines()))
    lines.discard(None)     # type: ignore[arg-type,unused-ignore]
    lines.discard(0)
    return lines


def _compiled(tree: ast.Module, filename: str) -> CodeType:
    """`tree` compiled: the tree already parsed gives the same line tables
    as the text, without a second parse."""
    return compile(tree, filename, "exec", dont_inherit=True)


def _has_future_import(tree: ast.Module) -> bool:
    """Does the module start with ``from __future__`` imports?"""
    return any(isinstance(node, ast.ImportFrom) and node.module == "__future__" for node in tree.body)


def _has_module_global(tree: ast.Module) -> bool:
    """Is there a ``global`` statement in the module's own code (not in a function or class)?"""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Global):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for name in ("body", "orelse", "finalbody", "handlers", "cases"):
                pending.extend(getattr(node, name, ()))
    return False


def _docstring_node(node: ast.AST) -> ast.Expr | None:
    """The docstring expression of a module, class or function, if it has one."""
    if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    if not node.body:
        return None
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return first
    return None


class PythonParser:
    """Find the executable and the excluded lines of one Python source file.

    Give the source as `text`, or give `filename` to read it from.  `exclude`
    is one regex (several are joined with ``|``, see :func:`join_regex`);
    lines it matches are excluded.  Call :meth:`parse_source`, then read
    :attr:`statements` and :attr:`excluded`.
    """

    def __init__(
        self,
        text: str | None = None,
        filename: str | None = None,
        exclude: str | None = None,
        keep_tree: bool = True,
        branch: bool = False,
    ) -> None:
        """Hold the source; nothing is analyzed until :meth:`parse_source`.

        Without `keep_tree`, a long file may be analyzed in slices
        (:data:`SLICE_LINES`) and :attr:`ast_root` stays None; with
        `branch` too, its arcs are found slice by slice in the same pass
        (asked for later, they are found in a second pass over the slices).
        """
        if text is None and filename is None:
            raise ValueError("PythonParser needs either text or filename")
        self.filename = filename or "<code>"
        self.text: str = text if text is not None else read_source(self.filename)
        self.exclude = exclude
        self.keep_tree = keep_tree
        self.branch = branch

        #: The parsed module, kept for the analyses built on this one
        #: (possible arcs, code regions).
        self.ast_root: ast.Module | None = None
        #: Executable statements, at their first lines, without docstrings
        #: and excluded lines.
        self.statements: set[TLineNo] = set()
        #: Excluded lines (first lines of statements, plus every line of an
        #: excluded ``def`` or ``class``).
        self.excluded: set[TLineNo] = set()
        #: Line numbers found in the bytecode.
        self.raw_statements: set[TLineNo] = set()
        #: Lines the exclusion regex matched, before any widening.
        self.raw_excluded: set[TLineNo] = set()
        #: Every line of every docstring.
        self.raw_docstrings: set[TLineNo] = set()
        #: Each line of a multi-line statement -> the statement's first line.
        self.multiline_map: dict[TLineNo, TLineNo] = {}
        # Branch analysis, done on the first call to arcs().
        self._arcs: set[TArc] | None = None
        self._arc_fragments: TFragments = {}
        self._with_jumps: WithJumps | None = None
        # The module, class and function nodes, each a code object to analyze.
        self._code_nodes: list[ast.AST] = []
        # Where the slices start, when the text was analyzed in slices.
        self._slice_starts: list[TLineNo] | None = None
        # The exits of each line (all arcs), when the arcs were found in slices.
        self._exit_counts: Counter[TLineNo] | None = None

    @property
    def multiline(self) -> dict[TLineNo, TLineNo]:
        """The multi-line map (an alias of :attr:`multiline_map`)."""
        return self.multiline_map

    def lines_matching(self, regex: str) -> set[TLineNo]:
        """The lines where `regex` finds a match (``re.MULTILINE``).

        A match that spans lines marks all of them.  Line numbers are mapped
        through the multi-line map as it stands when this is called.
        """
        matches: set[TLineNo] = set()
        text = self.text
        if not _may_match(regex, text):
            return matches
        offset = 0
        line = 1
        for match in re.finditer(regex, text, flags=re.MULTILINE):
            start, end = match.span()
            line += text.count("\n", offset, start)
            offset = start
            last = line + text.count("\n", start, end)
            matches.update(self.multiline_map.get(n, n) for n in range(line, last + 1))
        return matches

    def parse_source(self) -> None:
        """Analyze the source: fill in statements, excluded lines and the maps.

        Raises :class:`NotPython` when the text is not valid Python.
        """
        try:
            with warnings.catch_warnings():
                # Reporting should not repeat the compiler's warnings about
                # the user's code (invalid escapes and the like).
                warnings.simplefilter("ignore")
                if self.keep_tree or not self._analyze_in_slices():
                    try:
                        self.ast_root = ast.parse(self.text)
                    except ValueError as err:
                        # Null bytes, before Python 3.11.4 or so.
                        raise SyntaxError(str(err)) from err
                    self._analyze_text()
        except (tokenize.TokenError, SyntaxError) as err:
            lineno = getattr(err, "lineno", None)
            if lineno is None and len(err.args) > 1:
                lineno = err.args[1][0]
            where = f" at line {lineno}" if lineno is not None else ""
            raise NotPython(
                f"Couldn't parse '{self.filename}' as Python source: {err.args[0]!r}{where}"
            ) from err

        ignored = self.excluded | self.raw_docstrings
        self.statements = self.first_lines(self.raw_statements - ignored) - ignored

    def _analyze_text(self) -> None:
        """Compile the parsed text, find its logical lines, and walk its tree."""
        tree = self.ast_root
        assert tree is not None
        if self.exclude:
            # Matched before the multi-line map exists: the block-widening
            # below sees the raw matched lines, as coverage.py's does.
            self.raw_excluded = self.lines_matching(self.exclude)
        excluded = set(self.raw_excluded)
        has_code = True
        try:
            if excluded or not tree.body:
                raise NeedTokens       # exclusions widen over tokens; no statements: maybe no code
            index = LineIndex(self.text)
            self.multiline_map = multiline_from_tree(simple_statements(tree), index, 1, index.n_lines)
        except NeedTokens:
            self.multiline_map = {}
            has_code = self._scan_tokens(excluded, self.text, 0)
        if has_code:
            self.raw_statements = _bytecode_lines(_compiled(tree, self.filename))
        self.excluded = self._walk_tree(tree, self.first_lines(excluded), self._code_nodes)

    def _analyze_in_slices(self) -> bool:
        """Analyze a long text a slice of top-level statements at a time, each
        tree dropped before the next is parsed; False (nothing done) if the
        text is short, or where slices could give other results than the
        whole text: then the caller analyzes it whole.

        Each slice is parsed and compiled with the lines before it blank
        (its line numbers are the file's) between two statements of
        :data:`_SLICE_EDGE`.  Results differ from the whole text's when a
        slice's end can't be reached (the compiler drops what follows it),
        with ``from __future__`` imports, and with a ``global`` statement
        outside functions and classes (whether it is an error depends on
        all the text): then the whole text is analyzed.  So it is if a
        slice doesn't parse: a cut that fell in a string, or a real syntax
        error, reported as the whole text's.

        With :attr:`branch`, each slice's arcs are found too (see
        :class:`covcore.arcs.SlicedArcs`).
        """
        index = LineIndex(self.text)
        if self._slice_starts is not None:
            starts = self._slice_starts     # again, with the arcs: the same cuts
        elif index.n_lines < 2 * SLICE_LINES:
            return False
        else:
            starts = slice_starts(index, max(SLICE_LINES, index.n_lines // MAX_SLICES))
        if len(starts) < 2:
            return False
        if self.exclude:
            self.raw_excluded = self.lines_matching(self.exclude)
        excluded_all: set[TLineNo] = set()
        arcs = SlicedArcs() if self.branch else None
        # Only a text with a `global` statement somewhere needs its trees searched for one.
        may_have_global = (
            "global" in self.text and re.search(r"^[ \t]*global\b", self.text, flags=re.MULTILINE) is not None
        )
        # A line analysis may parse only some statements of a slice (see tree_runs).
        partial = arcs is None and not may_have_global and "__future__" not in self.text
        try:
            for first, last, head, tail in _slice_bounds(index, starts):
                # (The last slice takes what a regex matched past the last line, too.)
                excluded = {line for line in self.raw_excluded if first <= line and (line <= last or not tail)}
                runs = tree_runs(index, first, last, TREE_SHARE) if partial and not excluded else None
                text = index.lines(first, last)
                if runs is None:
                    tree = ast.parse(head + text + tail)
                    code = _compiled(tree, self.filename)
                else:
                    code = compile(head + text + tail, self.filename, "exec", dont_inherit=True)
                    tree = ast.parse(head + runs_text(index, first, last, runs) + tail)
                if (first == 1 and _has_future_import(tree)) or (may_have_global and _has_module_global(tree)):
                    raise _WholeText
                lines = _bytecode_lines(code)
                del code
                if tail and last + 1 not in lines:
                    raise _WholeText    # the rest of the text is unreachable
                if arcs is not None and first > 1 and first not in lines:
                    raise _WholeText    # the arcs would step over the slice's first statement
                inside = lines - {first - 1, last + 1}      # less the edge statements
                if inside and (min(inside) < first or max(inside) > last):
                    raise _WholeText        # (never seen) a line outside the slice
                self.raw_statements.update(inside)
                try:
                    if excluded:
                        raise NeedTokens
                    if may_span_lines(text):    # (else every logical line is one line)
                        statements = simple_statements(tree)
                        self.multiline_map.update(multiline_from_tree(statements, index, first, last, runs))
                except NeedTokens:
                    self._scan_tokens(excluded, text, first - 1)
                code_nodes: list[ast.AST] | None = [] if arcs is not None else None
                excluded_all |= self._walk_tree(tree, self.first_lines(excluded), code_nodes)
                if arcs is not None:
                    assert code_nodes is not None
                    arcs.add(ArcFinder(tree, lines, self.multiline_map), code_nodes, first, last)
                del tree
        except (_WholeText, SyntaxError, ValueError, tokenize.TokenError):
            self._forget()
            return False
        self.excluded = excluded_all
        self._slice_starts = starts
        if arcs is not None:
            self._arcs, self._arc_fragments, self._with_jumps = arcs.arcs, arcs.fragments, arcs.with_jumps
            self._exit_counts = arcs.exit_counts
        return True

    def _slice_trees(self, index: LineIndex, starts: list[TLineNo]) -> Iterator[ast.Module]:
        """The tree of each slice of the text cut at `starts`."""
        for first, last, head, tail in _slice_bounds(index, starts):
            yield ast.parse(head + index.lines(first, last) + tail)

    def _forget(self) -> None:
        """Drop what an analysis found, to start again."""
        self.raw_statements, self.raw_excluded, self.raw_docstrings = set(), set(), set()
        self.multiline_map = {}
        self.excluded, self.statements = set(), set()
        self._slice_starts = None
        self._arcs, self._arc_fragments, self._with_jumps = None, {}, None
        self._exit_counts = None

    def _walk_tree(self, tree: ast.Module, excluded: set[TLineNo], code_nodes: list[ast.AST] | None) -> set[TLineNo]:
        """Walk `tree`: note its docstrings, and widen `excluded` (returned)
        to whole definitions and ``case _:`` clauses; add its module, class
        and function nodes to `code_nodes`."""
        for node in walk_statements(tree):
            kind = type(node)
            if kind in _CODE_NODE_TYPES:
                if code_nodes is not None:
                    code_nodes.append(node)
                docstring = _docstring_node(node)
                if docstring is not None:
                    self.raw_docstrings.update(
                        range(docstring.lineno, cast(int, docstring.end_lineno) + 1)
                    )
                if excluded and isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    # A pragma on a decorator or on the `def`/`class` line
                    # excludes the whole definition, every line of it.
                    start = min((deco.lineno for deco in node.decorator_list), default=node.lineno)
                    if not excluded.isdisjoint(range(start, node.lineno + 1)):
                        excluded.update(range(start, cast(int, node.end_lineno) + 1))
            elif excluded and isinstance(node, ast.match_case) and is_irrefutable(node):
                # `case _:` whose body is all excluded goes too, like `else:`.
                body = range(node.body[0].lineno, cast(int, node.body[-1].end_lineno) + 1)
                in_body = self.raw_statements.intersection(body)
                if in_body and in_body <= excluded:
                    pattern = node.pattern
                    excluded.update(range(pattern.lineno, pattern.end_lineno + 1))
        return excluded

    def code_regions(self) -> list[CodeRegion]:
        """The function and class regions of the file (see :func:`covcore.regions.code_regions`).

        A file analyzed in slices is parsed again, a slice at a time (only
        the JSON and HTML reports ask).
        """
        if self._slice_starts is None:
            return code_regions(self.ast_root) if self.ast_root is not None else []
        regions: list[CodeRegion] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for tree in self._slice_trees(LineIndex(self.text), self._slice_starts):
                regions.extend(code_regions(tree))
                del tree
        return regions

    def _scan_tokens(self, excluded: set[TLineNo], text: str, offset: int) -> bool:
        """Walk the tokens of `text` (its line 1 is line `offset` + 1): build
        the multi-line map and widen exclusions.

        When an excluded line is part of a statement ending in a block-opening
        colon, the whole indented block after it is excluded: the first line
        of each of its statements is added to `excluded`.  Returns whether
        the text has any code at all (not only comments and blank lines).
        """
        has_code = False
        indent = 0
        brackets = 0
        # Block exclusion in progress, and the indent level it started at.
        excluding = False
        excluding_indent = 0
        # The line the current logical line started on (0: between lines).
        first_line = 0
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        for kind, string, (start_line, _), (end_line, _), _ in tokens:
            start_line += offset
            end_line += offset
            if kind == tokenize.INDENT:
                indent += 1
            elif kind == tokenize.DEDENT:
                indent -= 1
            elif kind == tokenize.NEWLINE:
                if first_line and end_line != first_line:
                    for line in range(first_line, end_line + 1):
                        self.multiline_map[line] = first_line
                first_line = 0
            elif kind == tokenize.OP:
                if string == ":" and brackets == 0:
                    if not excluding and not excluded.isdisjoint(range(first_line, end_line + 1)):
                        excluded.add(end_line)
                        excluding = True
                        excluding_indent = indent
                elif string in _OPENING_BRACKETS:
                    brackets += 1
                elif string in _CLOSING_BRACKETS:
                    brackets -= 1
            if kind != tokenize.COMMENT and string.strip():
                has_code = True
                if not first_line:
                    first_line = start_line
                    if excluding and indent <= excluding_indent:
                        excluding = False
                    if excluding:
                        excluded.add(end_line)
        return has_code

    def first_line(self, lineno: TLineNo) -> TLineNo:
        """The first line of the statement `lineno` is part of.

        Negative numbers (code object entries and exits in arcs) map to the
        negated first line.
        """
        if lineno < 0:
            return -self.multiline_map.get(-lineno, -lineno)
        return self.multiline_map.get(lineno, lineno)

    def first_lines(self, linenos: Iterable[TLineNo]) -> set[TLineNo]:
        """Map each of `linenos` to the first line of its statement."""
        multiline = self.multiline_map
        if not multiline:
            return set(linenos)
        return {
            multiline.get(n, n) if n >= 0 else -multiline.get(-n, -n) for n in linenos
        }

    def translate_lines(self, lines: Iterable[TLineNo]) -> set[TLineNo]:
        """Map measured line numbers to the first lines of their statements."""
        return self.first_lines(lines)

    # -- Branch analysis

    def arcs(self) -> set[TArc]:
        """The possible arcs of the code, between first lines of statements.

        Arcs that stay on one line are left out; exits are ``(line,
        -first_line_of_code_object)``.  Computed once, after
        :meth:`parse_source`.
        """
        if self._arcs is None:
            self._analyze_arcs()
            assert self._arcs is not None
        return self._arcs

    def _analyze_arcs(self) -> None:
        """Run the arc analyzer and keep what the reports need from it."""
        if self.ast_root is None and self._slice_starts is not None:
            # Analyzed in slices without the arcs: again, with them (or whole,
            # if the slices can't give them).
            starts = self._slice_starts
            self._forget()
            self.branch, self._slice_starts = True, starts
            self.parse_source()
            if self._arcs is not None:
                return
        if self.ast_root is None:
            raise ValueError("parse_source() must run before arcs()")
        finder = ArcFinder(self.ast_root, self.raw_statements, self.multiline_map)
        finder.analyze(self._code_nodes)
        self._with_jumps = finder.with_jumps()
        raw = self._with_jumps.apply(finder.arcs) if self._with_jumps else finder.arcs
        self._arcs = first_line_arcs(raw, self.multiline_map)
        self._arc_fragments = finder.fragments

    def exit_counts(self) -> dict[TLineNo, int]:
        """How many possible arcs leave each line; excluded lines, and arcs
        into excluded lines, are not counted.  (It may be the parser's own:
        don't change it.)"""
        excluded = self.excluded
        arcs: Iterable[TArc] = self.arcs()
        if excluded:
            arcs = [arc for arc in arcs if arc[0] not in excluded and arc[1] not in excluded]
        elif self._exit_counts is not None:
            return self._exit_counts    # counted slice by slice
        return Counter(map(itemgetter(0), arcs))

    def translates_arcs(self) -> bool:
        """Can :meth:`translate_arcs` change an arc (a ``with`` exit, a multi-line statement)?"""
        self.arcs()
        return bool(self._with_jumps) or bool(self.multiline_map)

    def translate_arcs(self, arcs: Iterable[TArc]) -> set[TArc]:
        """Map measured arcs to what reports show: ``with`` exits rewritten
        (see :class:`covcore.arcs.WithJumps`), lines mapped to first lines."""
        self.arcs()
        if self._with_jumps:
            arcs = self._with_jumps.apply(arcs)
        if not self.multiline_map:
            return set(arcs)
        first = self.multiline_map.get
        return {
            (
                first(start, start) if start >= 0 else -first(-start, -start),
                first(end, end) if end >= 0 else -first(-end, -end),
            )
            for start, end in arcs
        }

    def missing_arc_description(self, start: TLineNo, end: TLineNo) -> str:
        """A sentence for a report: why the arc `start` -> `end` may not have run.

        For example "line 12 didn't jump to line 15 because the condition on
        line 12 was always true", or "line 7 didn't return from function
        'f' because the return on line 7 wasn't executed".
        """
        self.arcs()
        return describe_missing_arc(self._arc_fragments.get((start, end), []), start, end)

    def arc_description(self, start: TLineNo, end: TLineNo) -> str:
        """What the arc `start` -> `end` does: "jump to line 15", "exit the module"..."""
        self.arcs()
        fragments = self._arc_fragments.get((start, end))
        return describe_action(fragments[0][1] if fragments else "", end)

"""Where the logical lines of a source file are, without tokenizing all of it.

coverage.py's multi-line map comes from tokenizing the whole text: each
logical line (up to its NEWLINE token) that spans several physical lines
maps them all to its first.  :func:`multiline_from_tree` gives the same map
mostly from the parsed tree: a simple statement's lines (several joined by
semicolons, together) are one logical line, and only what lies between
simple statements (the headers of ``if``, ``def``, ``else``..., comments and
blank lines) is tokenized, a run of lines at a time.  Where that could
differ from tokenizing everything it raises :class:`NeedTokens`, and the
caller tokenizes the whole text instead.

:func:`slice_starts` cuts a long file into slices of whole top-level
statements, for the parser to analyze one at a time (see
``covcore.parser.SLICE_LINES``).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import cast

from covcore.types import TLineNo

# The fields holding statements, in source order (a ``try``: body, except
# clauses, ``else``, ``finally``).
_SOURCE_ORDER_FIELDS = ("body", "handlers", "orelse", "finalbody", "cases")
# A line holding none of these can't continue onto the next one.
_CONTINUING = re.compile(r"[(\[{'\"\\#]")
# Nor can one whose brackets close on it, holding none of these.
_QUOTE_COMMENT_BACKSLASH = re.compile(r"['\"\\#]")
# Lines that can't start a top-level statement of their own.
_NOT_A_START = re.compile(r"[\s#)\]}@\\]|(?:else|elif|except|finally)\b")


# What a logical line of several lines needs: a bracket left open, a
# backslash at the end of a line, or a string in triple quotes.
_SPANS_LINES = re.compile(r"[(\[{\\]|\"\"\"|'''")


def may_span_lines(text: str) -> bool:
    """Could a logical line of `text` (whole statements) run over more than one line?

    Not without a bracket, a backslash or triple quotes: then the
    multi-line map of the text is empty, and its tree needn't be read for it.
    """
    return _SPANS_LINES.search(text) is not None


class NeedTokens(Exception):
    """The tree alone can't give the multi-line map exactly: tokenize the text."""


class LineIndex:
    """Where each line of `text` ends, and which lines end in a backslash."""

    def __init__(self, text: str) -> None:
        self.text = text
        #: The offset just past each line's newline, lines 1..n.
        lines = text.split("\n")
        lines.pop()     # what follows the last newline
        self.ends = array("q", accumulate(map((1).__add__, map(len, lines))))
        del lines
        if not text.endswith("\n"):
            self.ends.append(len(text))
        self.n_lines = len(self.ends)
        # A statement ending on one of these goes on to the next line (few).
        self.continued = {bisect_left(self.ends, match.end() - 1) + 1 for match in re.finditer(r"\\\n", text)}

    def start(self, line: TLineNo) -> int:
        """The offset where `line` starts."""
        return self.ends[line - 2] if line > 1 else 0

    def lines(self, first: TLineNo, last: TLineNo) -> str:
        """The text of lines `first` to `last`, newlines included."""
        return self.text[self.start(first):self.ends[last - 1]]


def simple_statements(tree: ast.AST) -> Iterator[ast.stmt]:
    """The simple statements of `tree` (at any depth), in source order."""
    pending: list[ast.AST] = [tree]
    fields_of = _FIELDS_OF
    while pending:
        node = pending.pop()
        fields = fields_of.get(type(node))
        if fields is None:
            fields = fields_of[type(node)] = tuple(name for name in _SOURCE_ORDER_FIELDS if hasattr(node, name))
        if not fields:
            # Only simple statements come here without statement fields.
            yield cast(ast.stmt, node)
            continue
        children: list[ast.AST] = []
        for name in fields:
            children.extend(getattr(node, name))
        pending.extend(reversed(children))


# Each node type -> which of _SOURCE_ORDER_FIELDS it has.
_FIELDS_OF: dict[type, tuple[str, ...]] = {}


def multiline_from_tree(
    statements: Iterable[ast.stmt], index: LineIndex, first: TLineNo, last: TLineNo,
    only: list[tuple[TLineNo, TLineNo]] | None = None,
) -> dict[TLineNo, TLineNo]:
    """The multi-line map of lines `first` to `last`, as tokenizing the whole text would give it.

    `statements` are the simple statements of the tree of those lines (see
    :func:`simple_statements`); any outside the lines are passed over.
    With `only` (from :func:`tree_runs`), the tree is of those runs of
    lines alone, the others holding no logical line of several lines.
    Raises NeedTokens where the map could differ from the tokens': a
    statement ending in a backslash, or a header that runs on into a
    statement (``if (a\\n): b``).
    """
    multiline: dict[TLineNo, TLineNo] = {}
    # covered[line - first]: a simple statement holds the line (or it needs no tree).
    covered = bytearray(last - first + 2)
    if only is not None:
        covered[:] = b"\x01" * len(covered)
        for top, bottom in only:
            covered[top - first:bottom + 1 - first] = bytes(bottom + 1 - top)
    covered[-1] = 1
    continued = index.continued
    last_start = last_end = 0
    for node in statements:
        top, bottom = node.lineno, cast(int, node.end_lineno)
        if bottom < first or top > last:
            continue
        start = last_start if top == last_end else top     # joined by ";"
        if bottom > start:
            for line in range(start, bottom + 1):
                multiline[line] = start
        if bottom == top:
            covered[top - first] = 1
        else:
            covered[top - first:bottom + 1 - first] = b"\x01" * (bottom + 1 - top)
        if bottom in continued:
            raise NeedTokens
        last_start, last_end = start, bottom
    # The runs of lines no simple statement holds (headers, comments, blank
    # lines): tokenized unless each line is a logical line of its own, holding
    # nothing that continues a line or with its brackets closed on it
    # (`def f(a):`) and no string, comment or backslash.
    text, ends, may_continue, quoted = index.text, index.ends, _CONTINUING.search, _QUOTE_COMMENT_BACKSLASH.search
    at = covered.find(0)
    while at >= 0:
        run_end = covered.find(1, at) - 1
        for line in range(at + first, run_end + first + 1):
            start, end = ends[line - 2] if line > 1 else 0, ends[line - 1]
            if may_continue(text, start, end) and (quoted(text, start, end) or not _balanced(text[start:end])):
                multiline_of_run(index.lines(at + first, run_end + first), at + first - 1, multiline)
                break
        at = covered.find(0, run_end + 1)
    return multiline


def multiline_of_run(run: str, offset: int, multiline: dict[TLineNo, TLineNo]) -> None:
    """Add the multi-line logical lines of `run` (its line 1 is line `offset` + 1) to `multiline`."""
    first_line = 0
    try:
        for kind, string, (start_line, _), (end_line, _), _ in tokenize.generate_tokens(io.StringIO(run).readline):
            if kind == tokenize.NEWLINE:
                if first_line and end_line != first_line:
                    for line in range(first_line, end_line + 1):
                        multiline[line + offset] = first_line + offset
                first_line = 0
            elif not first_line and kind != tokenize.COMMENT and string.strip():
                first_line = start_line
    except (tokenize.TokenError, SyntaxError):
        raise NeedTokens from None
    if first_line:
        raise NeedTokens       # a logical line that goes on past the run


def slice_starts(index: LineIndex, size: int) -> list[TLineNo]:
    """The first lines of slices of about `size` lines, each cut where a top-level statement may start.

    A line may start one when it starts in the first column with none of
    what continues a statement or goes on from the line before (a closing
    bracket, ``else``, a decorator above it, a backslash ending the line
    above).  A cut inside a string or a bracket that this misses makes the
    slice before it fail to parse: the parser then analyzes the whole text.
    The first slice starts at line 1 and holds the first statement (a
    module docstring is one only there).
    """
    text, starts = index.text, [1]
    code = re.search(r"^[ \t]*[^\s#]", text, flags=re.MULTILINE)
    first_code = bisect_right(index.ends, code.start()) + 1 if code else index.n_lines
    line = max(1 + size, first_code + 1)
    while line + size // 2 <= index.n_lines:
        offset = index.start(line)
        if (
            not _NOT_A_START.match(text, offset)
            and line - 1 not in index.continued
            and not text.startswith("@", index.start(line - 1))
        ):
            starts.append(line)
            line += size
        else:
            line += 1
    return starts


# A line that only the tree can read rightly: a string, a comment or a
# backslash in it; and a line with brackets (balanced ones are fine).
_NEEDS_TREE = re.compile(r"^[^\n]*['\"#\\][^\n]*$", flags=re.MULTILINE)
_BRACKETED = re.compile(r"^[^\n]*[()\[\]{}][^\n]*$", flags=re.MULTILINE)
_BRACKET = re.compile(r"[()\[\]{}]")
# Where a top-level statement may start (as in slice_starts).
_MAY_START = re.compile(r"^(?![\s#)\]}@\\]|(?:else|elif|except|finally)\b)", flags=re.MULTILINE)


def _balanced(line: str) -> bool:
    """Do the brackets of `line` close within it, in order?"""
    depth = 0
    for bracket in _BRACKET.findall(line):
        depth += 1 if bracket in "([{" else -1
        if depth < 0:
            return False
    return depth == 0


def tree_runs(
    index: LineIndex, first: TLineNo, last: TLineNo, most: float,
) -> list[tuple[TLineNo, TLineNo]] | None:
    """The runs of lines among `first` to `last` (whole top-level statements,
    first and last lines) that hold a line only the tree reads rightly: a
    string, a comment, a backslash or brackets left open.  Every other
    statement is one logical line per line and has no docstring, so its
    tree isn't needed for the multi-line map or the docstrings.  None when
    more than `most` of the lines are such lines (the tree of all is cheaper).

    The runs go from a line where a top-level statement may start to the
    line before the next such line; a line in a string that looks like a
    start only splits a run the parse of the runs closes again (the line
    holding the string's end is kept).
    """
    text, ends = index.text, index.ends
    begin, end = index.start(first), ends[last - 1]
    needed = {bisect_right(ends, match.start()) + 1 for match in _NEEDS_TREE.finditer(text, begin, end)}
    for match in _BRACKETED.finditer(text, begin, end):
        if not _balanced(match.group()):
            needed.add(bisect_right(ends, match.start()) + 1)
    if len(needed) > most * (last + 1 - first):
        return None
    starts = [first]
    for match in _MAY_START.finditer(text, begin, end):
        line = bisect_right(ends, match.start()) + 1
        if line > first and line - 1 not in index.continued and not text.startswith("@", index.start(line - 1)):
            starts.append(line)
    runs: list[tuple[TLineNo, TLineNo]] = []
    for line in sorted(needed):
        at = bisect_right(starts, line) - 1
        top = starts[at]
        bottom = starts[at + 1] - 1 if at + 1 < len(starts) else last
        if runs and runs[-1][1] >= top - 1:
            runs[-1] = (runs[-1][0], max(runs[-1][1], bottom))
        else:
            runs.append((top, bottom))
    return runs


def runs_text(index: LineIndex, first: TLineNo, last: TLineNo, runs: list[tuple[TLineNo, TLineNo]]) -> str:
    """Lines `first` to `last` of the text, those outside `runs` left blank."""
    parts: list[str] = []
    at = first
    for top, bottom in runs:
        parts.append("\n" * (top - at))
        parts.append(index.lines(top, bottom))
        at = bottom + 1
    parts.append("\n" * (last + 1 - at))
    return "".join(parts)

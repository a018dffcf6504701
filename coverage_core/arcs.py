"""Possible arcs of a Python source file, worked out from its syntax tree.

Branch coverage compares the arcs a program took (``(from_line, to_line)``
pairs recorded by the tracer) with the arcs it could have taken.  This module
finds the second set without running anything: :class:`ArcFinder` walks the
statements of every code object (the module, each class body, each function)
and, statement by statement, works out where control can go next.

The rules are those of coverage.py 7.17, so branch counts agree with it:

* Each statement is known by the first line of its logical line (decorated
  definitions by their first decorator).  Statements the compiler produced
  no code for (``if 0:`` bodies, function docstrings) are skipped.
* Only the statement-level structure is followed: ``and``/``or``,
  conditional expressions, comprehensions and lambdas are not branches.
* ``if``/``while`` tests that are constants (``while True:``, ``if 0:``)
  have only the side that can run.
* ``break``, ``continue``, ``return`` and ``raise`` jump to the nearest
  block that takes them: loops take ``break`` and ``continue``, a ``try``
  with handlers takes ``raise`` (to its first ``except``), a function takes
  ``return`` and ``raise`` (to its exit, ``-first_line``).  A ``try`` with a
  ``finally`` swallows the exceptions raised in its handlers and ``else``;
  jumps are not routed through ``finally`` clauses.
* Leaving a ``with`` body normally goes back through the ``with`` line, as
  CPython 3.10+ traces it; :class:`WithJumps` then rewrites those arcs into
  the jump a reader expects (last line of the body -> next statement).
  (From 3.12.6 the exit is traced on the line of the context manager
  expression, which always maps to the ``with`` line, so nothing changes.)
* Module and class bodies exit to ``-first_line`` as well.

Every arc may carry sentence fragments that explain, in a report, why it
was not taken ("the condition on line 12 was always true") and what it
would have done ("return from function 'f'").
"""

from __future__ import annotations

import ast
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any, Callable, Optional, Union

from covcore.regions import walk_statements
from covcore.types import TArc, TLineNo

#: A place control leaves from: (line, cause).  The cause is a fragment of a
#: sentence saying why the jump might not happen, with ``{lineno}`` standing
#: for the line; ``""`` when there is nothing useful to say.
TExit = tuple[TLineNo, str]

#: Arc -> its (cause, action) fragments, in the order they were found.  The
#: tuples are shared: a file has millions of arcs and a few kinds of fragment.
TFragments = dict[TArc, tuple[tuple[str, str], ...]]

# Why a jump may not have happened.  ``{lineno}`` is the line it starts from.
NEVER_TRUE = "the condition on line {lineno} was never true"
ALWAYS_TRUE = "the condition on line {lineno} was always true"
LOOP_NEVER_STARTED = "the loop on line {lineno} never started"
LOOP_NEVER_ENDED = "the loop on line {lineno} didn't complete"
PATTERN_ALWAYS_MATCHED = "the pattern on line {lineno} always matched"
PATTERN_NEVER_MATCHED = "the pattern on line {lineno} never matched"
NO_EXCEPTION = "the exception caught by line {lineno} didn't happen"
BREAK_NOT_RUN = "the break on line {lineno} wasn't executed"
CONTINUE_NOT_RUN = "the continue on line {lineno} wasn't executed"
RAISE_NOT_RUN = "the raise on line {lineno} wasn't executed"
RETURN_NOT_RUN = "the return on line {lineno} wasn't executed"

#: On Python 3.10 the oracle is coverage.py 7.16.2, the last release for
#: it, which rewrites ``with`` exits from the executed arcs themselves.
LEGACY_WITH_JUMPS = sys.version_info < (3, 11)

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_DEFINITION_TYPES = frozenset(_DEFINITIONS)
_CONSTANT_NAMES = {"True": True, "False": False, "None": False, "__debug__": __debug__}


# The only kinds of test constant_truth can decide.
_MAYBE_CONSTANT = frozenset({ast.Constant, ast.Name, ast.UnaryOp, ast.BoolOp})


def constant_truth(test: ast.expr) -> Optional[bool]:
    """The truth of a test the compiler can decide, or None if it can't.

    Like coverage.py, only the forms people write are recognized: literals,
    ``True``/``False``/``None``/``__debug__``, ``not`` of those, and
    ``and``/``or`` of them.
    """
    if type(test) not in _MAYBE_CONSTANT:
        return None
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.Name):
        return _CONSTANT_NAMES.get(test.id)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = constant_truth(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [constant_truth(value) for value in test.values]
        if any(value is None for value in values):
            return None
        return any(values) if isinstance(test.op, ast.Or) else all(values)
    return None


def _pattern_is_irrefutable(pattern: ast.pattern) -> bool:
    """Does `pattern` match every subject, as Python's compiler decides it?

    Only a bare name (a capture, or ``_``) matches everything.  ``P as name``
    matches what `P` matches; ``P1 | P2`` matches what any alternative does
    (the compiler lets only the last one be irrefutable).  Every other kind
    (values, classes, sequences, mappings) can fail, even ``object()``.
    """
    if isinstance(pattern, ast.MatchAs):
        return pattern.pattern is None or _pattern_is_irrefutable(pattern.pattern)
    if isinstance(pattern, ast.MatchOr):
        return any(_pattern_is_irrefutable(alternative) for alternative in pattern.patterns)
    return False


def is_irrefutable(case: ast.match_case) -> bool:
    """Is this ``case`` taken whenever it is reached, like an ``else``?

    So it is when it has no guard and its pattern matches every subject
    (``case _:``, ``case rest:``, ``case (1 | _) as x:``).  coverage.py 7.17
    counts a way out after the last of these, which no run can take.
    """
    return case.guard is None and _pattern_is_irrefutable(case.pattern)


class _Loop:
    """A ``for`` or ``while`` being analyzed: takes ``break`` and ``continue``."""

    __slots__ = ("top", "breaks")

    def __init__(self, top: TLineNo) -> None:
        self.top = top
        self.breaks: set[TExit] = set()


class _Function:
    """A function being analyzed: takes ``return``, and ``raise`` nobody caught."""

    __slots__ = ("start", "name")

    def __init__(self, start: TLineNo, name: str) -> None:
        self.start = start
        self.name = name


class _Try:
    """A ``try`` being analyzed: takes ``raise``.

    `handler` is the line of its first ``except``; None when there is none,
    or once the ``try`` body is done but a ``finally`` still encloses the
    handlers and ``else`` (then exceptions raised there are swallowed).
    """

    __slots__ = ("handler",)

    def __init__(self, handler: Optional[TLineNo]) -> None:
        self.handler = handler


_Frame = Union[_Loop, _Function, _Try]
# A statement handler: (finder, statement node) -> the statement's exits.
_Handler = Callable[["ArcFinder", Any], set[TExit]]


class ArcFinder:
    """Find the possible arcs of a parsed module.

    `statements` are the line numbers the compiler produced code for, and
    `multiline` maps each line of a multi-line statement to its first line
    (both from :class:`covcore.parser.PythonParser`).  :meth:`analyze` fills
    :attr:`arcs` (raw: ``with`` exits not yet rewritten, arcs from a line to
    itself not yet dropped) and :attr:`fragments`.
    """

    def __init__(
        self, root: ast.Module, statements: Iterable[TLineNo], multiline: dict[TLineNo, TLineNo]
    ) -> None:
        """Prepare to analyze `root`; nothing happens until :meth:`analyze`."""
        self.root = root
        self.multiline = multiline
        self.statements = {multiline.get(line, line) for line in statements} if multiline else set(statements)
        #: Every possible arc found.
        self.arcs: set[TArc] = set()
        #: Arc -> (cause, action) sentence fragments, for the arcs that have any.
        self.fragments: TFragments = {}
        # Each tuple of fragments made so far, to share one object among the arcs that have it.
        self._shared: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
        # The blocks enclosing the statement being analyzed, innermost last.
        self._stack: list[_Frame] = []
        # `with` statements: the lines of those whose body is being analyzed,
        # of all of them, the arcs into their bodies, and the arcs from the
        # ends of their bodies back to their lines.
        self._open_withs: set[TLineNo] = set()
        self.with_lines: set[TLineNo] = set()
        self.with_entries: set[TArc] = set()
        self.with_exits: set[TArc] = set()

    # -- Driving

    def analyze(self, code_nodes: Optional[Iterable[ast.AST]] = None) -> None:
        """Analyze every code object: the module, each class and each function.

        `code_nodes` are their nodes when the caller has them already (in
        any order); by default the tree is walked to find them.
        """
        if code_nodes is None:
            code_nodes = walk_statements(self.root)
        for node in code_nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(node)
            elif isinstance(node, ast.ClassDef):
                self._class(node)
            elif isinstance(node, ast.Module):
                self._module(node)

    def with_jumps(self) -> WithJumps:
        """How to rewrite the arcs that leave ``with`` bodies (see :class:`WithJumps`)."""
        return WithJumps(self)

    def _module(self, node: ast.Module) -> None:
        start = self.multiline.get(1, 1)
        if node.body:
            for line, cause in self._body(node.body, set()):
                self.add(line, -start, cause, "exit the module")
        else:
            self.add(start, -start)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        start = self.line_of(node)
        self._stack.append(_Function(start, node.name))
        self._returns(self._body(node.body, set()))
        self._stack.pop()

    def _class(self, node: ast.ClassDef) -> None:
        start = self.line_of(node)
        action = f"exit class {node.name!r}"
        for line, cause in self._body(node.body, set()):
            self.add(line, -start, cause, action)

    # -- Recording

    def add(self, start: TLineNo, end: TLineNo, cause: str = "", action: str = "") -> None:
        """Record the arc `start` -> `end`, with its explaining fragments if any."""
        arc = (start, end)
        self.arcs.add(arc)
        if self._open_withs and start in self._open_withs:
            self.with_entries.add(arc)
        if cause or action:
            fragments = self.fragments.get(arc, ()) + ((cause, action),)
            self.fragments[arc] = self._shared.setdefault(fragments, fragments)

    def line_of(self, node: ast.AST) -> TLineNo:
        """The line a statement is known by: its first logical line.

        Decorated definitions start at their first decorator.
        """
        if isinstance(node, _DEFINITIONS) and node.decorator_list:
            line = node.decorator_list[0].lineno
        else:
            line = getattr(node, "lineno")
        return self.multiline.get(line, line)

    def _body(self, body: Sequence[ast.stmt], entries: set[TExit]) -> set[TExit]:
        """Link the statements of `body`: `entries` lead to the first one, and
        each one's exits to the next.  Returns the exits of the last one
        (`entries` itself when no statement of `body` has code)."""
        statements, multiline, add, arcs = self.statements, self.multiline, self.add, self.arcs
        for node in body:
            kind = type(node)
            if kind in _DEFINITION_TYPES:
                line = self.line_of(node)
            else:
                line = node.lineno
                line = multiline.get(line, line)
            if line not in statements:
                continue
            if self._open_withs:
                for source, cause in entries:
                    add(source, line, cause)
            else:
                for source, cause in entries:
                    if cause:
                        add(source, line, cause)
                    else:
                        arcs.add((source, line))     # what add() does with no fragments
            handler = _HANDLERS.get(kind)
            entries = {(line, "")} if handler is None else handler(self, node)
        return entries

    # -- Jumps to enclosing blocks

    def _enclosing(self) -> Iterator[_Frame]:
        return reversed(self._stack)

    def _breaks(self, exits: set[TExit]) -> None:
        for frame in self._enclosing():
            if isinstance(frame, _Loop):
                frame.breaks |= exits
                return

    def _continues(self, exits: set[TExit]) -> None:
        for frame in self._enclosing():
            if isinstance(frame, _Loop):
                for line, cause in exits:
                    self.add(line, frame.top, cause)
                return

    def _raises(self, exits: set[TExit]) -> None:
        for frame in self._enclosing():
            if isinstance(frame, _Try):
                if frame.handler is not None:
                    for line, cause in exits:
                        self.add(line, frame.handler, cause)
                return
            if isinstance(frame, _Function):
                action = f"except from function {frame.name!r}"
                for line, cause in exits:
                    self.add(line, -frame.start, cause, action)
                return

    def _returns(self, exits: set[TExit]) -> None:
        for frame in self._enclosing():
            if isinstance(frame, _Function):
                action = f"return from function {frame.name!r}"
                for line, cause in exits:
                    self.add(line, -frame.start, cause, action)
                return

    # -- Statements: each returns the statement's exits

    def _definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> set[TExit]:
        # Decorators run one after another, then the name is bound on the
        # `def`/`class` line.  The body is its own code object.
        if node.decorator_list:
            previous: Optional[TLineNo] = None
            for decorator in node.decorator_list:
                line = self.multiline.get(decorator.lineno, decorator.lineno)
                if previous is not None and line != previous:
                    self.add(previous, line)
                previous = line
            assert previous is not None
            self.add(previous, node.lineno)
        return {(node.lineno, "")}

    def _break(self, node: ast.Break) -> set[TExit]:
        self._breaks({(self.line_of(node), BREAK_NOT_RUN)})
        return set()

    def _continue(self, node: ast.Continue) -> set[TExit]:
        self._continues({(self.line_of(node), CONTINUE_NOT_RUN)})
        return set()

    def _raise(self, node: ast.Raise) -> set[TExit]:
        self._raises({(self.line_of(node), RAISE_NOT_RUN)})
        return set()

    def _return(self, node: ast.Return) -> set[TExit]:
        self._returns({(self.line_of(node), RETURN_NOT_RUN)})
        return set()

    def _if(self, node: ast.If) -> set[TExit]:
        top = node.test.lineno
        top = self.multiline.get(top, top)
        truth = constant_truth(node.test) if type(node.test) in _MAYBE_CONSTANT else None
        exits: set[TExit] = set()
        if truth is None or truth:
            exits |= self._body(node.body, {(top, NEVER_TRUE)})
        if truth is None or not truth:
            exits |= self._body(node.orelse, {(top, ALWAYS_TRUE)})
        return exits

    def _for(self, node: ast.For | ast.AsyncFor) -> set[TExit]:
        top = self.line_of(node.iter)
        loop = _Loop(top)
        self._stack.append(loop)
        for line, cause in self._body(node.body, {(top, LOOP_NEVER_STARTED)}):
            self.add(line, top, cause)
        self._stack.pop()
        exits = set(loop.breaks)
        finished = (top, LOOP_NEVER_ENDED)
        if node.orelse:
            exits |= self._body(node.orelse, {finished})
        else:
            exits.add(finished)
        return exits

    def _while(self, node: ast.While) -> set[TExit]:
        top = self.line_of(node.test)
        loop = _Loop(top)
        self._stack.append(loop)
        for line, cause in self._body(node.body, {(top, NEVER_TRUE)}):
            self.add(line, top, cause)
        self._stack.pop()
        exits = set(loop.breaks)
        finished = (top, ALWAYS_TRUE)
        if node.orelse:
            exits |= self._body(node.orelse, {finished})
        elif constant_truth(node.test) is None:
            # A constant test (even a false one) never falls out of the loop.
            exits.add(finished)
        return exits

    def _match(self, node: ast.Match) -> set[TExit]:
        previous = self.line_of(node)
        exits: set[TExit] = set()
        for case in node.cases:
            line = self.line_of(case.pattern)
            self.add(previous, line, PATTERN_ALWAYS_MATCHED)
            exits |= self._body(case.body, {(line, PATTERN_NEVER_MATCHED)})
            previous = line
        if not is_irrefutable(node.cases[-1]):
            exits.add((previous, PATTERN_ALWAYS_MATCHED))
        return exits

    def _try(self, node: ast.Try) -> set[TExit]:
        handler = self.line_of(node.handlers[0]) if node.handlers else None
        frame = _Try(handler)
        self._stack.append(frame)
        exits = self._body(node.body, {(self.line_of(node), "")})
        if node.finalbody:
            # The handlers and `else` still run inside the `finally`.
            frame.handler = None
        else:
            self._stack.pop()
        handled: set[TExit] = set()
        for except_node in node.handlers:
            line = self.line_of(except_node)
            handled |= self._body(except_node.body, {(line, NO_EXCEPTION)})
        if node.orelse:
            exits = self._body(node.orelse, exits)
        exits = exits | handled
        if node.finalbody:
            self._stack.pop()
            finally_exits = self._body(node.finalbody, exits)
            # A `finally` only leads on if something could reach it normally.
            # Its exits carry no reason: an exception or `return` pending in
            # it can stop it leading on whatever its last condition did
            # (coverage.py 7.18).
            if exits:
                exits = {(line, "") for line, _ in finally_exits}
        return exits

    def _with(self, node: ast.With | ast.AsyncWith) -> set[TExit]:
        start = self.line_of(node)
        self._open_withs.add(start)
        self.with_lines.add(start)
        exits = self._body(node.body, {(start, "")})
        self._open_withs.discard(start)
        if not exits:
            return exits
        for line, _ in exits:
            self.add(line, start)
            self.with_exits.add((line, start))
        return {(start, "")}


_HANDLERS: dict[type, _Handler] = {
    ast.FunctionDef: ArcFinder._definition,
    ast.AsyncFunctionDef: ArcFinder._definition,
    ast.ClassDef: ArcFinder._definition,
    ast.Break: ArcFinder._break,
    ast.Continue: ArcFinder._continue,
    ast.Raise: ArcFinder._raise,
    ast.Return: ArcFinder._return,
    ast.If: ArcFinder._if,
    ast.For: ArcFinder._for,
    ast.AsyncFor: ArcFinder._for,
    ast.While: ArcFinder._while,
    ast.Match: ArcFinder._match,
    ast.Try: ArcFinder._try,
    ast.With: ArcFinder._with,
    ast.AsyncWith: ArcFinder._with,
}
if sys.version_info >= (3, 11):
    _HANDLERS[ast.TryStar] = ArcFinder._try


class WithJumps:
    """Rewrite the arcs that leave ``with`` bodies into the jumps a reader expects.

    CPython 3.10+ leaves a ``with`` body through the ``with`` line (to call
    ``__exit__``), so a body ending on line 3 of ``with`` line 1 followed by
    line 4 is traced as 3->1, 1->4.  Reports show that as 3->4: each
    "end of body -> with line" arc becomes "end of body -> where the with
    goes next" (following nested ``with`` statements outwards), and the
    "with line -> next" arc goes, unless the body shares the ``with`` line
    (then that arc is the only trace of leaving it).

    The same rewrite is applied to the possible arcs and to measured ones.
    On Python 3.10, :data:`LEGACY_WITH_JUMPS` selects the rewrite of
    coverage.py 7.16.2 instead, which looks at the measured arcs together.
    """

    def __init__(self, finder: Optional[ArcFinder] = None) -> None:
        """Work out the rewrites from an analyzed `finder` (none: no rewrites)."""
        self.legacy = LEGACY_WITH_JUMPS
        # Each `with` line -> the one line it continues to after its body.
        destinations: dict[TLineNo, set[TLineNo]] = defaultdict(set)
        if finder is not None and finder.with_lines:
            for start, end in finder.arcs:
                if start in finder.with_lines and (start, end) not in finder.with_entries:
                    destinations[start].add(end)
        onward = {line: min(ends) for line, ends in destinations.items() if len(ends) == 1}
        exits = finder.with_exits if finder is not None else set()
        #: Arc -> replacement arc, or None to drop it.
        self.rewrites: dict[TArc, Optional[TArc]] = {}
        #: For the 3.10 rewrite: "body end -> with" arc -> (with -> next, body end -> next).
        self.legacy_rewrites: dict[TArc, tuple[TArc, TArc]] = {}

        if self.legacy:
            for end, start in exits:
                if start in onward:
                    nxt = onward[start]
                    self.legacy_rewrites[(end, start)] = ((start, nxt), (end, nxt))
            return

        def landing(start: TLineNo) -> TLineNo:
            # A `with` ending the body of an outer `with` continues through
            # the outer one's line: follow the chain to where it lands.
            nxt = onward[start]
            while (start, nxt) in exits and nxt in onward:
                start, nxt = nxt, onward[nxt]
            return nxt

        for end, start in exits:
            if start in onward:
                self.rewrites[(end, start)] = (end, landing(start))
        for start, nxt in onward.items():
            if (start, start) not in exits:
                self.rewrites[(start, nxt)] = None

    def __bool__(self) -> bool:
        """Is there anything to rewrite?"""
        return bool(self.rewrites or self.legacy_rewrites)

    def update(self, other: WithJumps) -> None:
        """Add the rewrites of `other`, found on other lines (another slice of the file)."""
        self.rewrites.update(other.rewrites)
        self.legacy_rewrites.update(other.legacy_rewrites)

    def apply(self, arcs: Iterable[TArc]) -> set[TArc]:
        """`arcs` with the ``with`` exits rewritten."""
        if self.legacy:
            return self._apply_legacy(arcs)
        rewrites = self.rewrites
        if not rewrites:
            return set(arcs)
        result = set()
        for arc in arcs:
            new = rewrites.get(arc, arc)
            if new is not None:
                result.add(new)
        return result

    def _apply_legacy(self, arcs: Iterable[TArc]) -> set[TArc]:
        # coverage.py 7.16.2: each "body end -> with" arc present is replaced
        # by "body end -> next", and the arcs of the chain through enclosing
        # `with` lines are removed.
        arcs = set(arcs)
        rewrites = self.legacy_rewrites
        if not rewrites:
            return arcs
        removed: set[TArc] = set()
        added: set[TArc] = set()
        for arc in arcs:
            if arc not in rewrites:
                continue
            removed.add(arc)
            onward, landing = rewrites[arc]
            while onward in rewrites:
                removed.add(onward)
                onward, landing = rewrites[onward]
                removed.add(landing)
            added.add((arc[0], landing[1]))
            removed.add(onward)
        return (arcs | added) - removed


def first_line_arcs(arcs: Iterable[TArc], multiline: dict[TLineNo, TLineNo]) -> set[TArc]:
    """`arcs` between the first lines of their statements, less those that stay on one."""
    if multiline:
        first = multiline.get
        arcs = {(first(start, start), first(end, end) if end >= 0 else -first(-end, -end)) for start, end in arcs}
    return {arc for arc in arcs if arc[0] != arc[1]}


class SlicedArcs:
    """The arcs of a file analyzed a slice of whole top-level statements at a
    time (see :meth:`covcore.parser.PythonParser.parse_source`).

    Each slice is parsed between two edge statements: one on the line before
    its first, and (but for the last slice) one on the line after its last,
    which is the first line of the next slice.  Only the module's flow from
    one top-level statement to the next crosses a cut, so the arcs from a
    slice's own lines are the whole file's: those into the edge after it are
    the arcs into the next slice's first statement, and the arcs from the
    edge before it are left out (they are the previous slice's).  The parser
    makes sure each slice's first statement has code (a statement without
    any would be stepped over).
    """

    def __init__(self) -> None:
        self.arcs: set[TArc] = set()
        self.fragments: TFragments = {}
        self.with_jumps = WithJumps()
        #: How many arcs leave each line, counted slice by slice (while a
        #: slice's arcs are in the processor's cache, not from the whole set after).
        self.exit_counts: Counter[TLineNo] = Counter()

    def add(self, finder: ArcFinder, code_nodes: Iterable[ast.AST], first: TLineNo, last: TLineNo) -> None:
        """Analyze the slice of lines `first` to `last` with `finder` (over its
        tree, the lines its code has, and the file's multi-line map) and keep
        its arcs.  Raises ValueError if an arc goes where a cut can't be crossed."""
        finder.analyze(code_nodes)
        jumps = finder.with_jumps()
        self.with_jumps.update(jumps)
        arcs = jumps.apply(finder.arcs) if jumps else finder.arcs
        multiline = finder.multiline
        if multiline:
            first_of = multiline.get
            arcs = {(first_of(start, start), first_of(end, end) if end >= 0 else -first_of(-end, -end))
                    for start, end in arcs}
        # The arcs from the slice's lines (arcs start from lines, never from
        # a code object's entry), less those that stay on one.
        lines = range(first, last + 1)
        mine = {arc for arc in arcs if arc[0] in lines and arc[0] != arc[1]}
        crossing = [end for end in set(map(itemgetter(1), mine)).difference(range(first, last + 2)) if end > 0]
        if crossing:
            bad = min(arc for arc in mine if arc[1] in crossing)
            raise ValueError(f"an arc crosses a cut: {bad}")
        self.arcs |= mine
        self.exit_counts.update(map(itemgetter(0), mine))
        self.fragments.update({arc: fragments for arc, fragments in finder.fragments.items() if arc[0] in lines})


def describe_missing_arc(fragments: Sequence[tuple[str, str]], start: TLineNo, end: TLineNo) -> str:
    """A sentence saying what the jump `start` -> `end` would have done and why
    it didn't happen, from the arc's (cause, action) `fragments`.

    Several reasons are joined with "or"; a fragment without a cause adds
    nothing when another one has a cause, so it is left out then.
    """
    with_cause = [fragment for fragment in fragments if fragment[0]]
    sentences: list[str] = []
    for cause, action in with_cause or fragments or [("", "")]:
        sentence = f"line {start} didn't {describe_action(action, end)}"
        if cause:
            sentence += " because " + cause.format(lineno=start)
        if sentence not in sentences:
            sentences.append(sentence)
    return " or ".join(sentences)


def describe_action(action: str, end: TLineNo) -> str:
    """What a jump to `end` does: `action` when known, else a jump to a line or an exit."""
    if action:
        return action
    if end < 0:
        return "jump to the function exit"
    return f"jump to line {end}"

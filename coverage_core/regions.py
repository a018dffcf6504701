"""Find the functions and classes of a Python file, as regions of lines.

The JSON report breaks each file's numbers down by function and by class.
A region is named by its dotted path (``Outer.method.inner``) and holds
the lines it accounts for:

* a function owns the lines of its body, less the bodies of functions
  defined inside it;
* a class owns the lines of its methods (not its class-level statements,
  which run at import), less the lines of classes nested in it.

So no line belongs to two functions or to two classes, but a method's lines
belong to a function and to a class.  The lines include blanks and comments;
callers intersect them with the statements.

:func:`walk_statements`, the walk over statement-level nodes, is shared with
the parser and the arc analyzer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import cast

#: The fields of AST nodes that hold statements (directly, or through
#: ``except`` handlers and ``case`` clauses), in the order they are visited.
STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def walk_statements(root: ast.AST) -> Iterator[ast.AST]:
    """Yield `root` and all statement-level nodes under it, parents first.

    ``except`` handlers and ``case`` clauses are yielded too; expressions
    are not entered, as they cannot contain statements.
    """
    pending = [root]
    fields_of = _FIELDS_OF
    while pending:
        node = pending.pop()
        yield node
        fields = fields_of.get(type(node))
        if fields is None:
            fields = fields_of[type(node)] = tuple(name for name in STATEMENT_FIELDS if hasattr(node, name))
        for name in fields:
            children = getattr(node, name)
            if children:
                pending.extend(children)


# Each node type -> which of STATEMENT_FIELDS it has (most have none).
_FIELDS_OF: dict[type, tuple[str, ...]] = {}


#: The kinds of region: (singular, plural as used for JSON keys).
REGION_KINDS: list[tuple[str, str]] = [("function", "functions"), ("class", "classes")]


@dataclass
class CodeRegion:
    """One function or class of a source file."""

    #: ``"function"`` or ``"class"``.
    kind: str
    #: Dotted name, the enclosing classes and functions first.
    name: str
    #: The ``def`` or ``class`` line.
    start: int
    #: The lines the region accounts for (blank lines included).
    lines: set[int] = field(default_factory=set)


@dataclass
class _Found:
    """A ``def`` or ``class`` met by the walk, with what its lines depend on."""

    region: CodeRegion
    #: How many definitions enclose this one (0 at module level).
    depth: int
    #: For a function whose nearest enclosing definition is a class (a
    #: method, or a function in an ``if`` of a class body): that class.
    method_of: CodeRegion | None
    #: First and last line of a function's body (0, 0 for a class).
    body_first: int = 0
    body_last: int = 0


#: The nodes that are regions, and their kind.
_KIND_OF: dict[type[ast.AST], str] = {
    ast.FunctionDef: "function",
    ast.AsyncFunctionDef: "function",
    ast.ClassDef: "class",
}

#: The statement fields, pushed last first so that they are visited in order.
_FIELDS_LAST_FIRST = STATEMENT_FIELDS[::-1]


def _definitions(root: ast.AST) -> list[_Found]:
    """Every ``def`` and ``class`` under `root`, each after those around it.

    The order is a depth-first walk of each node's statement fields in
    :data:`STATEMENT_FIELDS` order (so a ``finally`` before the ``except``
    clauses): the order of coverage.py's region list.
    """
    found: list[_Found] = []
    # Nodes to visit, the next last, each with its context: the dotted
    # prefix of names under it, its depth and its nearest definition.
    top: tuple[str, int, _Found | None] = ("", 0, None)
    todo: list[tuple[ast.AST, tuple[str, int, _Found | None]]] = [(root, top)]
    while todo:
        node, context = todo.pop()
        kind = _KIND_OF.get(type(node))
        if kind is not None:
            definition = cast("ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef", node)
            prefix, depth, around = context
            inside = _Found(CodeRegion(kind, prefix + definition.name, definition.lineno), depth, None)
            if kind == "function":
                inside.body_first = definition.body[0].lineno
                inside.body_last = cast(int, definition.body[-1].end_lineno)
                if around is not None and around.region.kind == "class":
                    inside.method_of = around.region
            found.append(inside)
            context = (f"{inside.region.name}.", depth + 1, inside)
        for name in _FIELDS_LAST_FIRST:
            children = getattr(node, name, None)
            if children:
                todo.extend(zip(reversed(children), repeat(context)))
    return found


def code_regions(root: ast.AST) -> list[CodeRegion]:
    """The function and class regions of a parsed module, in walk order.

    Each line of a function body goes to the innermost function whose body
    holds it.  A class gets the lines of its methods' bodies, except those
    inside the body of a method of a class nested in it: each line goes to
    the class of the innermost method whose body holds it.  So a class's
    own statements are not among its lines, and a class without methods
    has none.
    """
    found = _definitions(root)
    functions = [item for item in found if item.region.kind == "function"]
    low = min((item.body_first for item in functions), default=0)
    size = max((item.body_last + 1 for item in functions), default=0) - low
    # Line number - low -> the region it goes to, painted outer definitions
    # first, so that an inner body paints over the lines it shares with the
    # bodies around it (even all of them: `def f():\n    def g(): pass`).
    function_of: list[CodeRegion | None] = [None] * size
    class_of: list[CodeRegion | None] = [None] * size
    for item in sorted(functions, key=lambda item: item.depth):
        span = slice(item.body_first - low, item.body_last + 1 - low)
        function_of[span] = [item.region] * (span.stop - span.start)
        if item.method_of is not None:
            class_of[span] = [item.method_of] * (span.stop - span.start)
    for owners in (function_of, class_of):
        for line, region in enumerate(owners, start=low):
            if region is not None:
                region.lines.add(line)
    return [item.region for item in found]

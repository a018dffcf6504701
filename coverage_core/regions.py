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
    while pending:
        node = pending.pop()
        yield node
        for name in STATEMENT_FIELDS:
            children = getattr(node, name, None)
            if children:
                pending.extend(children)


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


class _RegionFinder:
    """Walks a module's statements and collects its regions in source order."""

    def __init__(self) -> None:
        self.regions: list[CodeRegion] = []
        # The regions enclosing the node being visited, innermost last.
        self.stack: list[CodeRegion] = []

    def visit(self, node: ast.AST) -> None:
        """Visit one node and the statements under it."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.visit_function(node)
        elif isinstance(node, ast.ClassDef):
            self.visit_class(node)
        else:
            self.visit_children(node)

    def visit_children(self, node: ast.AST) -> None:
        """Visit the statements in `node`'s statement lists."""
        for name in STATEMENT_FIELDS:
            for child in getattr(node, name, ()):
                self.visit(child)

    def _enter(self, kind: str, node: ast.AST, start: int, lines: set[int]) -> CodeRegion:
        """Start a region named after `node` inside the current stack."""
        name = _name(node)
        if self.stack:
            name = f"{self.stack[-1].name}.{name}"
        region = CodeRegion(kind=kind, name=name, start=start, lines=lines)
        self.regions.append(region)
        return region

    def visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A ``def``: its body lines, taken from the nearest enclosing function."""
        lines = set(range(node.body[0].lineno, cast(int, node.body[-1].end_lineno) + 1))
        if self.stack and self.stack[-1].kind == "class":
            self.stack[-1].lines |= lines
        for outer in reversed(self.stack):
            if outer.kind == "function":
                outer.lines -= lines
                break
        region = self._enter("function", node, node.lineno, lines)
        self.stack.append(region)
        self.visit_children(node)
        self.stack.pop()

    def visit_class(self, node: ast.ClassDef) -> None:
        """A ``class``: the lines of its methods, taken from enclosing classes."""
        region = self._enter("class", node, node.lineno, set())
        self.stack.append(region)
        self.visit_children(node)
        self.stack.pop()
        for outer in reversed(self.stack):
            if outer.kind == "class":
                outer.lines -= region.lines


def _name(node: ast.AST) -> str:
    """The name a ``def`` or ``class`` binds."""
    return cast(str, getattr(node, "name"))


def code_regions(root: ast.AST) -> list[CodeRegion]:
    """The function and class regions of a parsed module, in source order."""
    finder = _RegionFinder()
    finder.visit(root)
    return finder.regions

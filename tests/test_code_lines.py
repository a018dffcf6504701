"""The lines a code object can report, as the C cores count them.

Both C cores switch a code object's line events off once every line it can
report is recorded (ctrace at its call events, the sys.monitoring core as its
lines come in), so the count must be exactly co_lines()' lines from the first
RESUME on.  From 3.11 the extension reads them straight from the location
table instead of through co_lines(); these tests hold that reader to
co_lines() on every code object of a large part of the standard library.
"""

from __future__ import annotations

import dis
import importlib
import sys
import types
from typing import Iterator

import pytest

_ctracer = pytest.importorskip("covcore._ctracer", reason="the C extension is not built")

STDLIB_SAMPLE = [
    "argparse", "ast", "asyncio.base_events", "collections", "dataclasses", "_pydecimal", "difflib",
    "email.message", "enum", "functools", "inspect", "json", "logging", "posixpath",
    "pickle", "pydoc", "re", "shutil", "statistics", "subprocess", "tarfile", "textwrap",
    "threading", "tokenize", "typing", "unittest", "urllib.parse", "zipfile",
]


def all_code(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from all_code(const)


def expected_lines(code: types.CodeType) -> list[int]:
    """co_lines()' lines of the code's body: after its first RESUME, where there is one."""
    start = 0
    for instruction in dis.get_instructions(code):
        if instruction.opname == "RESUME":
            start = instruction.offset + 2
            break
    return sorted({line for _, end, line in code.co_lines() if line is not None and end > start})


def module_code(name: str) -> types.CodeType:
    module = importlib.import_module(name)
    filename = module.__file__
    assert filename is not None
    with open(filename, "rb") as f:
        return compile(f.read(), filename, "exec", dont_inherit=True)


@pytest.mark.parametrize("name", STDLIB_SAMPLE)
def test_the_lines_counted_are_co_lines_lines(name: str) -> None:
    codes = list(all_code(module_code(name)))
    assert len(codes) > 1
    for code in codes:
        assert _ctracer._code_lines(code) == expected_lines(code), (code.co_name, code.co_firstlineno)


SHAPES = {
    "empty function": "def f():\n    pass\n",
    "one-line generator": "def g(): yield 1\n",
    "closure cells": "def outer(a):\n    b = a\n    def inner():\n        return a + b\n    return inner\n",
    "long jumps": "def f(x):\n" + "".join(f"    if x == {i}:\n        x += {i}\n" for i in range(400)) + "    return x\n",
    "far lines": "def f():\n    x = 1\n" + "\n" * 5000 + "    return x\n",
    "backwards lines": "def f(a):\n    return [\n        b\n        for b in a\n        if b\n    ]\n",
    "wide columns": "def f():\n    return " + " + ".join(["1"] * 200) + "\n",
    "no location": "async def f(a):\n    async with a as b:\n        await b\n",
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_lines_of_every_shape_of_table_entry(shape: str) -> None:
    for code in all_code(compile(SHAPES[shape], f"<{shape}>", "exec")):
        assert _ctracer._code_lines(code) == expected_lines(code), (code.co_name, code.co_firstlineno)


def test_a_code_object_from_this_process() -> None:
    # Code that ran (its table is the same; its bytecode has been specialised).
    code = sys._getframe().f_code
    for _ in range(100):
        expected_lines(code)
    assert _ctracer._code_lines(code) == expected_lines(code)


def test_not_a_code_object_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        _ctracer._code_lines("f")

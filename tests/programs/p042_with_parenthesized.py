"""Parenthesized context managers over several lines (3.10 grammar)."""
import contextlib
import io


with (
    io.StringIO("abc") as first,
    io.StringIO("def") as second,
):
    text = first.read() + second.read()

with (
    contextlib.nullcontext(1) as one,
    contextlib.suppress(IndexError),
):
    [][one]
    never = True

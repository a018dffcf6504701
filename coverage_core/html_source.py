"""Syntax highlighting for the HTML report, from the standard library's tokenize.

:func:`token_lines` splits a source text into lines of ``(class, text)``
pieces.  The text of every piece is cut from the source itself, never taken
from a token, so the pieces of a line always join back into the line
exactly, whatever the tokenizer of this Python reports (3.12's f-string
tokens, for one, do not always say where they end).  A source the tokenizer
gives up on keeps its text and loses its colours from there on.

Classes: ``kw`` keywords, ``nam`` names, ``num`` numbers, ``str`` strings
(f-string parts too), ``op`` operators and punctuation, ``com`` comments,
``""`` whitespace and anything else.
"""

from __future__ import annotations

import io
import keyword
import token
import tokenize

#: (class, text): one piece of a highlighted line.
TPiece = tuple[str, str]

_STRING_TYPES = {
    getattr(token, name)
    for name in ("STRING", "FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END",
                 "TSTRING_START", "TSTRING_MIDDLE", "TSTRING_END")
    if hasattr(token, name)
}


def _token_class(tok: tokenize.TokenInfo) -> str:
    """The highlight class of a token, ``""`` for none."""
    kind = tok.type
    if kind == token.NAME:
        return "kw" if keyword.iskeyword(tok.string) else "nam"
    if kind == token.OP:
        return "op"
    if kind == token.NUMBER:
        return "num"
    if kind == token.COMMENT:
        return "com"
    if kind in _STRING_TYPES:
        return "str"
    return ""


def _spans(text: str, lines: list[str]) -> list[list[tuple[int, int, str]]]:
    """Per line, the (start column, end column, class) of each token on it."""
    spans: list[list[tuple[int, int, str]]] = [[] for _ in lines]
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            cls = _token_class(tok)
            if not cls:
                continue
            (first, start), (last, end) = tok.start, tok.end
            if first > len(lines) or first < 1:
                continue
            if first == last:
                spans[first - 1].append((start, end, cls))
                continue
            spans[first - 1].append((start, len(lines[first - 1]), cls))
            for row in range(first + 1, min(last, len(lines) + 1)):
                spans[row - 1].append((0, len(lines[row - 1]), cls))
            if last <= len(lines):
                spans[last - 1].append((0, end, cls))
    except (tokenize.TokenError, SyntaxError):
        pass
    return spans


def token_lines(text: str) -> list[list[TPiece]]:
    """The lines of `text` (``\\n``-separated), each as highlighted pieces.

    An empty line is an empty list.  Joining a line's texts gives the line.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    result: list[list[TPiece]] = []
    for line, line_spans in zip(lines, _spans(text, lines)):
        pieces: list[TPiece] = []
        pos = 0
        for start, end, cls in sorted(line_spans):
            start = max(start, pos)
            end = min(end, len(line))
            if start >= end:
                continue
            if start > pos:
                pieces.append(("", line[pos:start]))
            pieces.append((cls, line[start:end]))
            pos = end
        if pos < len(line):
            pieces.append(("", line[pos:]))
        result.append(_tidy(pieces))
    return result


def _tidy(pieces: list[TPiece]) -> list[TPiece]:
    """Join neighbours of one class; a gap inside a string (3.12's ``{{``) is string."""
    tidy: list[TPiece] = []
    for index, (cls, piece) in enumerate(pieces):
        if (
            not cls and tidy and tidy[-1][0] == "str" and index + 1 < len(pieces)
            and pieces[index + 1][0] == "str" and not piece.isspace()
        ):
            cls = "str"
        if tidy and tidy[-1][0] == cls:
            tidy[-1] = (cls, tidy[-1][1] + piece)
        else:
            tidy.append((cls, piece))
    return tidy

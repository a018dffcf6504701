"""Packing measured lines and arcs into bytes, as the data file stores them.

Lines are a bitmap (bit ``n % 8`` of byte ``n // 8`` is line n: the same
layout as coverage.py's "numbits"), arcs are sorted pairs of little-endian
signed 32-bit integers.  docs/data-format.md describes both.
"""

from __future__ import annotations

import itertools
import sys

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Iterable
    from covcore.types import TArc, TLineNo


#: The largest line number that can be stored (arcs are 32-bit signed pairs).
MAX_LINENO = 2**31 - 1


class FormatError(Exception):
    """Bytes that are not a valid encoding; the text says why."""


def _int32_typecode() -> str:
    """The array typecode whose items are 4 bytes on this platform."""
    import array

    for code in ("i", "l"):
        if array.array(code).itemsize == 4:
            return code
    raise ImportError("covcore needs a C integer type of 4 bytes")  # pragma: no cover


# Found (and the array module imported) when arcs are first packed or
# unpacked, not as every measured process starts: line mode never needs it.
_INT32 = ""
_BIG_ENDIAN = sys.byteorder == "big"


def _set_int32() -> str:
    global _INT32
    _INT32 = _int32_typecode()
    return _INT32


# _BITS[b] is the positions of the bits set in the byte b, lowest first: made
# when first read (_bit_table()), not by every measured process as it starts.
_BITS: list[tuple[int, ...]] = []


def _bit_table() -> list[tuple[int, ...]]:
    global _BITS
    if not _BITS:
        _BITS = [tuple(bit for bit in range(8) if byte >> bit & 1) for byte in range(256)]
    return _BITS


def encode_lines(lines: Iterable[TLineNo]) -> bytes:
    """Pack line numbers into a bitmap: bit ``n % 8`` of byte ``n // 8`` is line n.

    The bitmap ends at the byte holding the highest line, so no lines is ``b""``.
    Line numbers must be in ``0..MAX_LINENO``, else ValueError.
    """
    numbers = lines if isinstance(lines, (set, frozenset)) else set(lines)
    if not numbers:
        return b""
    low, high = min(numbers), max(numbers)
    if low < 0 or high > MAX_LINENO:
        raise ValueError(f"line number {low if low < 0 else high} is out of range")
    bitmap = bytearray((high >> 3) + 1)
    for number in numbers:
        bitmap[number >> 3] |= 1 << (number & 7)
    return bytes(bitmap)


def decode_lines(blob: bytes) -> list[TLineNo]:
    """Unpack a bitmap made by :func:`encode_lines` into sorted line numbers."""
    lines: list[TLineNo] = []
    bits = _BITS or _bit_table()
    for index, byte in enumerate(blob):
        if byte:
            base = index << 3
            lines.extend([base + bit for bit in bits[byte]])
    return lines


def union_bitmaps(one: bytes, two: bytes) -> bytes:
    """The bitmap of the lines in either of two bitmaps."""
    size = max(len(one), len(two))
    both = int.from_bytes(one, "little") | int.from_bytes(two, "little")
    return both.to_bytes(size, "little")


def encode_arcs(arcs: Iterable[TArc]) -> bytes:
    """Pack arcs as sorted pairs of little-endian signed 32-bit integers.

    No arcs is ``b""``; duplicates are stored once.  Line numbers outside the
    32-bit signed range, or arcs that aren't pairs, raise ValueError.
    """
    unique = arcs if isinstance(arcs, (set, frozenset)) else set(arcs)
    try:
        import array

        packed = array.array(_INT32 or _set_int32(), itertools.chain.from_iterable(sorted(unique)))
    except OverflowError as exc:
        raise ValueError(f"an arc has a line number out of range ({exc})") from None
    if len(packed) != 2 * len(unique):
        raise ValueError("every arc must be a pair of line numbers")
    if _BIG_ENDIAN:  # pragma: no cover - our platforms are little-endian
        packed.byteswap()
    return packed.tobytes()


def decode_arcs(blob: bytes) -> list[TArc]:
    """Unpack a blob made by :func:`encode_arcs` into its sorted arcs."""
    if len(blob) % 8:
        raise FormatError(f"an arc record has {len(blob)} bytes, not a multiple of 8")
    import array

    numbers = array.array(_INT32 or _set_int32())
    numbers.frombytes(blob)
    if _BIG_ENDIAN:  # pragma: no cover
        numbers.byteswap()
    pairs = iter(numbers)
    return list(zip(pairs, pairs))

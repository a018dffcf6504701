"""Exceptions leaving with bodies: suppressed and propagating."""
import contextlib


def suppressed(n):
    with contextlib.suppress(KeyError):
        if n:
            raise KeyError(n)
        a = 1
    return n


def propagates():
    try:
        with contextlib.nullcontext():
            raise ValueError
    except ValueError:
        return "caught"


suppressed(0)
suppressed(1)
propagates()

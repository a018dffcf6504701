"""Compound statements written on one line."""


def one_liners(n):
    if n > 0: n -= 1  # noqa: E701
    else: n += 1  # noqa: E701
    for i in range(2): n += i  # noqa: E701
    while n > 5: n -= 1  # noqa: E701
    try: n = n // 1  # noqa: E701
    except ZeroDivisionError: pass  # noqa: E701
    return n


def short(x): return x * 2  # noqa: E704


class Tiny: value = 1  # noqa: E701


one_liners(3)
one_liners(-3)
one_liners(20)
short(1)

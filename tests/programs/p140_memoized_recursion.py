"""Recursion with a memo dict, and recursion that raises at the bottom."""

memo = {}


def ways(n):
    if n in memo:
        return memo[n]
    if n <= 1:
        result = 1
    else:
        result = ways(n - 1) + ways(n - 2)
    memo[n] = result
    return result


def descend(n):
    if n == 0:
        raise LookupError("bottom")
    try:
        return descend(n - 1)
    finally:
        memo[-n] = True


ways(20)
try:
    descend(5)
except LookupError:
    pass

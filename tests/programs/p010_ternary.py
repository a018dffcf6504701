"""Conditional expressions, one-line and spread over lines."""


def sign(n):
    return "+" if n > 0 else ("-" if n < 0 else "0")


def describe(n):
    word = (
        "big"
        if n > 10
        else "small"
    )
    return word


signs = [sign(1), sign(-1), sign(0)]
describe(1)
describe(100)
never = (lambda: 1)() if False else 2

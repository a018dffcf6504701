"""Exceptions that pass up through several functions."""


class AppError(Exception):
    pass


def level3(x):
    if x > 2:
        raise AppError("too big")
    return x


def level2(x):
    y = level3(x)
    return y + 1


def level1(x):
    result = level2(x)
    return result * 2


level1(1)
try:
    level1(5)
except AppError as exc:
    caught = exc

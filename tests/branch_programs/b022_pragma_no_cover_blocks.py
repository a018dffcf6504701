"""Excluded blocks: a branch into an excluded block is not missing."""


def f(x):
    if x > 0:
        return 1
    else:  # pragma: no cover
        return -1


def g(x):
    if x is None:  # pragma: no cover
        raise ValueError("none")
    try:
        return 1 / x
    except ZeroDivisionError:  # pragma: no cover
        return 0


def unused():  # pragma: no cover
    if True:
        return 1


class NotRun:  # pragma: no cover
    def m(self):
        return 1


f(1)
g(2)

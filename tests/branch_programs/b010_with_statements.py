"""with: simple, nested, with a return, a break, an exception."""
import contextlib


@contextlib.contextmanager
def ctx(tag):
    yield tag


def simple():
    with ctx(1) as a:
        b = a + 1
    return b


def nested():
    with ctx(1):
        with ctx(2):
            c = 3
    return c


def returning(flag):
    with ctx(1):
        if flag:
            return 1
        d = 2
    return d


def in_loop(n):
    for i in range(n):
        with ctx(i):
            if i == 1:
                break
    return i


def multi():
    with ctx(1) as a, ctx(2) as b:
        e = a + b
    return e


simple()
nested()
returning(True)
in_loop(3)
multi()

"""Decorated functions and classes: arcs through the decorator lines."""
import functools


def deco(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        if args:
            return fn(*args)
        return None
    return wrapper


@deco
@functools.lru_cache(maxsize=None)
def square(x):
    return x * x


@functools.total_ordering
class Version:
    def __init__(self, n):
        self.n = n

    def __eq__(self, other):
        return self.n == other.n

    def __lt__(self, other):
        return self.n < other.n


square(3)
Version(1) < Version(2)

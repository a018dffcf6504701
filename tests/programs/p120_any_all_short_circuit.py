"""Generators consumed partly by any()/all()/next(): the rest never runs."""


def checks():
    yield True
    yield False
    yield True  # never reached by all()


def source():
    for i in range(100):
        yield i


all(checks())
any(x > 3 for x in source())
first_even = next(x for x in source() if x % 2 == 0 and x > 0)

"""Generators and yield from with branches; a generator closed early."""


def evens(limit):
    n = 0
    while n < limit:
        if n % 2 == 0:
            yield n
        n += 1


def chained(a, b):
    yield from evens(a)
    if b:
        yield from evens(b)


def infinite():
    i = 0
    while True:
        yield i
        i += 1


list(chained(5, 0))
gen = infinite()
next(gen)
gen.close()

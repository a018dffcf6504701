"""yield from: delegation, return values passed back, nested delegation."""


def inner(n):
    for i in range(n):
        yield i
    return n * 10


def middle():
    got = yield from inner(2)
    yield got
    got2 = yield from inner(0)
    yield got2


def outer():
    yield from middle()
    yield from [100, 200]


values = list(outer())

"""Exceptions raised inside generators, caught inside and outside."""


def numbers(limit):
    for i in range(limit):
        if i == 3:
            raise ValueError("three")
        yield i


def tolerant(items):
    for item in items:
        try:
            yield 10 // item
        except ZeroDivisionError:
            yield None


got = []
try:
    for n in numbers(10):
        got.append(n)
except ValueError:
    got.append("stopped")

list(tolerant([1, 0, 5]))

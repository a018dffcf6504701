"""Chained generators and an infinite generator cut with islice."""
import itertools


def naturals():
    n = 0
    while True:
        yield n
        n += 1


def squares(source):
    for n in source:
        yield n * n


def take_while_small(source, limit):
    for n in source:
        if n > limit:
            return
        yield n


first_five = list(itertools.islice(naturals(), 5))
small_squares = list(take_while_small(squares(naturals()), 50))

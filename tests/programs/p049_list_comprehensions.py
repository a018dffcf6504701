"""List comprehensions: plain, filtered, nested, and empty."""


def squares(n):
    return [i * i for i in range(n)]


def evens_matrix(rows):
    return [[x for x in row if x % 2 == 0] for row in rows]


def flatten(rows):
    return [x for row in rows for x in row if x]


squares(5)
squares(0)
evens_matrix([[1, 2, 3], [4, 5, 6]])
flatten([[0, 1], [], [2, 0, 3]])
empty = [x for x in [] if x]

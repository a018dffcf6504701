"""Chained comparisons, including ones that stop early."""


def in_range(x, lo=0, hi=10):
    return lo <= x < hi


def ordered(a, b, c):
    if a < b < c:
        return "ascending"
    elif a > b > c:
        return "descending"
    return "mixed"


results = [in_range(5), in_range(-1), in_range(10)]
ordered(1, 2, 3)
ordered(3, 2, 1)
ordered(1, 3, 2)
same = 1 == 1 != 2 is not None

"""Sorting with key functions, cmp_to_key, and methods as callbacks."""
import functools


def compare(a, b):
    if len(a) != len(b):
        return len(a) - len(b)
    if a < b:
        return -1
    if a > b:
        return 1
    return 0


class Record:
    def __init__(self, name, score):
        self.name = name
        self.score = score

    def key(self):
        return (-self.score, self.name)


words = ["pear", "fig", "apple", "kiwi", "fig"]
by_cmp = sorted(words, key=functools.cmp_to_key(compare))
records = [Record("a", 1), Record("b", 3), Record("c", 3)]
ranked = sorted(records, key=Record.key)
best = max(records, key=lambda r: r.score)

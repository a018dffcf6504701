"""return from inside loops, ifs, withs and tries, all nested."""
import contextlib


def search(grid, target):
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell == target:
                return r, c
    return None


def guarded(items):
    with contextlib.nullcontext():
        for item in items:
            try:
                if item == 0:
                    return "zero"
            except Exception:
                return "error"
    return "none"


search([[1, 2], [3, 4]], 3)
search([[1]], 9)
guarded([1, 0])

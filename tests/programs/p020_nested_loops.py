"""Nested loops with break out of the inner loop, and a flag to leave both."""


def find_pair(grid, target):
    found = None
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value == target:
                found = (r, c)
                break
        if found:
            break
    return found


def pairs(n):
    out = []
    for i in range(n):
        for j in range(i):
            if (i + j) % 3 == 0:
                continue
            out.append((i, j))
    return out


grid = [[1, 2], [3, 4], [5, 6]]
find_pair(grid, 4)
find_pair(grid, 7)
pairs(5)

"""Recursive functions with base cases."""


def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


def walk(tree, depth=0):
    if isinstance(tree, list):
        for child in tree:
            walk(child, depth + 1)
    elif tree is None:
        return depth
    else:
        return -1


fact(4)
walk([1, [2, [3]]])

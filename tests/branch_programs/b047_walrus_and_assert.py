"""Walrus in tests, assert (not a branch), del, global."""
counter = 0


def f(items):
    global counter
    if (n := len(items)) > 2:
        counter += n
    assert n >= 0, "never"
    while (item := items.pop() if items else None) is not None:
        if item == 2:
            del item
            continue
    return counter


f([1, 2, 3])
f([])

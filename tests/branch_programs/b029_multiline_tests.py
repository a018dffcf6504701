"""Tests and loops whose headers span several lines."""


def f(items, flag):
    if (flag and
            len(items) > 2 and
            items[0]):
        first = items[0]
    else:
        first = None
    for item in [
        x for x in items
        if x
    ]:
        if (item
                == 2):
            break
    while (
        items
    ):
        items = items[1:]
    return first


f([1, 2, 3], True)
f([], False)

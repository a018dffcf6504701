"""if and while conditions that span several lines."""


def check(a, b, c):
    if (
        a > 0
        and b > 0
        or c
    ):
        return "yes"
    if (a < 0 and
            b < 0):
        return "both negative"
    return "no"


def loop(items):
    i = 0
    while (
        i < len(items)
        and items[i] is not None
    ):
        i += 1
    return i


check(1, 1, False)
check(-1, -1, False)
check(-1, 1, False)
loop([1, 2, None, 4])

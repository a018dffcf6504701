"""partial_also adds to the default pragma; multi-line statements matched on any line."""


def f(x):
    if (x and
            x > 1):  # might not happen
        y = 1
    for i in range(x):  # pragma: no branch
        pass
    if x == 3:
        y = 2
    if x == 4:  # might not happen
        y = 3
    return x


f(0)

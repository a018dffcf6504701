"""Custom partial_branches: lines marked "# always" or "# maybe" are not partial."""


def f(x):
    if x:  # always
        y = 1
    while x > 5:  # maybe
        x -= 1
    if x < 0:  # pragma: no branch
        y = 2
    if x == 99:
        y = 3
    return x


f(1)

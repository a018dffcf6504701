"""exclude_lines replacing the defaults; a regex with a comma in it."""


def f(x):
    if x:
        a = 1  # pragma: no cover
    else:
        a = 2  # skip{1,2}
    if x > 3:  # XX
        b = 1
    return a


f(1)

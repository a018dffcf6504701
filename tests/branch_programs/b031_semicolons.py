"""Several statements on one line, inside branches."""


def f(x):
    a = 1; b = 2
    if x: a = 3; b = 4
    else: a = 5; b = 6
    for i in range(x): a += i; b += i
    return a, b


f(0)
f(3)

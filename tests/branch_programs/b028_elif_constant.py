"""Constants in elif, nested conditions, and branch to a pass."""


def f(x):
    if x == 1:
        return 1
    elif True:
        y = 2
    if x:
        pass
    elif 0:
        y = 3
    else:
        y = 4
    return y


f(1)
f(2)

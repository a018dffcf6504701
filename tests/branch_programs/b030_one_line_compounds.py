"""Compound statements with their body on the same line."""


def f(x):
    if x: return 1
    for i in range(x): pass
    while x > 0: x -= 1
    try: y = 1 / x
    except ZeroDivisionError: y = 0
    return y


f(0)
f(2)

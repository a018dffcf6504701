"""pragma: no branch on if, while, for; an excluded line inside."""
import sys


def f(x):
    if x:  # pragma: no branch
        a = 1
    while x > 100:  # pragma: no branch
        x -= 1
    for i in range(x):  # pragma: no branch
        pass
    if x < 0:
        b = 2  # pragma: no cover
    return x


f(3)
if sys.argv:  # pragma: no branch
    ok = True

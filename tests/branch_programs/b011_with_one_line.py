"""with statements whose body is on the with line."""
import contextlib

with contextlib.suppress(ZeroDivisionError): x = 1

with contextlib.nullcontext(): y = 2


def f():
    with contextlib.nullcontext(): return 3


def g():
    with contextlib.nullcontext():
        with contextlib.nullcontext(): z = 4
    return z


f()
g()

"""Three nested withs ending together, then more code; and a with in an if."""
import contextlib

N = contextlib.nullcontext


def chain(flag):
    with N():
        with N():
            with N():
                a = 1
    if flag:
        with N():
            b = 2
    else:
        b = 3
    return a + b


def last_in_loop(n):
    total = 0
    while n:
        n -= 1
        with N():
            total += n
    return total


chain(True)
last_in_loop(2)

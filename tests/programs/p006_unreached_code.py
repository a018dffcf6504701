"""Code after return/raise, and functions that are never called."""


def f(x):
    if x:
        return 1
    else:
        return 2
    print("unreachable")  # never runs


def g():
    raise ValueError("boom")
    x = 1  # never runs
    return x


def h():
    pass


try:
    g()
except ValueError:
    pass

f(True)

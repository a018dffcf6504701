"""A function called once, another never called."""


def add(a, b):
    total = a + b
    return total


def never_called(x):
    y = x * 2
    return y


result = add(2, 3)
if result != 5:
    raise SystemExit("wrong")

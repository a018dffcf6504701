"""nonlocal rebinding in nested scopes."""


def accumulator():
    total = 0

    def add(x):
        nonlocal total
        total += x
        return total

    def reset():
        nonlocal total
        total = 0

    return add, reset


def two_levels():
    a = 1

    def middle():
        b = 2

        def inner():
            nonlocal a, b
            a += 10
            b += 20
        inner()
        return b
    mid = middle()
    return a, mid


add, reset = accumulator()
add(1)
add(2)
two_levels()

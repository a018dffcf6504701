"""Boolean short-circuits and conditional expressions are not branches."""


def pick(a, b):
    value = a and b
    other = a or b
    third = a if b else b
    if a and b:
        return value
    if a or (b and not a):
        return other
    return third


pick(1, 0)
pick(0, 0)
[n for n in range(5) if n % 2]
(lambda q: q or 1)(0)

"""if/elif/else chains, some arms never taken."""


def grade(score):
    if score >= 90:
        return "A"
    elif score >= 80:
        return "B"
    elif score >= 70:
        result = "C"
    elif score < 0:
        raise ValueError(score)
    else:
        result = "F"
    return result


def sign(n):
    if n > 0:
        s = 1
    if n < 0:
        s = -1
    if n == 0:
        s = 0
    return s


for value in (95, 72, 10):
    grade(value)
sign(3)
sign(0)

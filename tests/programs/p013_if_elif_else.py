"""A long if/elif/else chain where some branches never run."""


def grade(score):
    if score >= 90:
        letter = "A"
    elif score >= 80:
        letter = "B"
    elif score >= 70:
        letter = "C"
    elif score >= 60:
        letter = "D"
    else:
        letter = "F"
    return letter


for s in (95, 72, 10):
    grade(s)


def weekday(n):
    if n == 0:
        return "mon"
    elif n == 1:
        return "tue"
    elif n == 2:
        return "wed"


weekday(1)
weekday(7)

"""Early returns: some paths return before the end of the function."""


def classify(n):
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    if n > 1000:
        return "huge"
    label = "positive"
    return label


def first_even(items):
    for item in items:
        if item % 2 == 0:
            return item
    return None


values = [classify(-3), classify(0), classify(7)]
found = first_even([1, 3, 4, 5])
missing = first_even([1, 3])

"""try/except where the exception sometimes happens."""


def parse(text):
    try:
        value = int(text)
    except ValueError:
        value = None
    return value


parse("12")
parse("x")


def safe_div(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        return float("inf")


safe_div(1, 2)
safe_div(1, 0)

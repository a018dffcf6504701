"""Assertions that pass, and one that fails and is caught."""


def check(value):
    assert value >= 0, "negative"
    assert isinstance(value, int), (
        "not an int: "
        + repr(value)
    )
    return value


check(3)
try:
    check(-1)
except AssertionError as exc:
    message = str(exc)

try:
    check(2.5)
except AssertionError:
    pass

"""Imported inside a function by p109."""
CONSTANT = 42


def compute():
    import math
    return math.sqrt(CONSTANT)

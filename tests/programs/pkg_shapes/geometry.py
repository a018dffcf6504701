"""Geometry helpers; perimeter is never called by p106."""


def area(kind, size):
    if kind == "square":
        return size * size
    elif kind == "circle":
        return 3.14159 * size * size
    raise ValueError(kind)


def perimeter(kind, size):
    if kind == "square":
        return 4 * size
    return 2 * 3.14159 * size

"""match with class patterns, positional (__match_args__) and keyword."""
import dataclasses


@dataclasses.dataclass
class Point:
    x: int
    y: int


@dataclasses.dataclass
class Circle:
    center: Point
    radius: int


def where(shape):
    match shape:
        case Point(0, 0):
            return "origin"
        case Point(x=0, y=y):
            return f"on y axis at {y}"
        case Point(x, 0):
            return f"on x axis at {x}"
        case Circle(Point(0, 0), r):
            return f"centered circle {r}"
        case Circle(center=Point(), radius=r) if r > 10:
            return "big circle"
        case int() | float():
            return "number"
        case str(s):
            return s


for s in (Point(0, 0), Point(0, 5), Point(3, 0), Circle(Point(0, 0), 1),
          Circle(Point(1, 1), 20), Circle(Point(1, 1), 2), 3.5):
    where(s)

"""match with class patterns, guards and a capture-all last case."""
from dataclasses import dataclass


@dataclass
class Point:
    x: int
    y: int


def where(p):
    match p:
        case Point(x=0, y=0):
            return "origin"
        case Point(x=0, y=y) if y > 0:
            return "up"
        case Point(x=x, y=0):
            return "axis"
        case other:
            return str(other)


def command(text):
    match text.split():
        case ["go", direction]:
            return direction
        case ["quit" | "exit"]:
            return None
        case (
            ["look"]
            | ["see"]
        ):
            return "looking"


where(Point(0, 0))
where(Point(0, 5))
where(Point(1, 1))
command("go north")
command("look")
command("dance")

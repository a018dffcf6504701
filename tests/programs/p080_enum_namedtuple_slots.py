"""Enum, NamedTuple and __slots__ classes."""
import enum
import typing


class Color(enum.Enum):
    RED = 1
    GREEN = 2

    def describe(self):
        if self is Color.RED:
            return "warm"
        return "cool"


class Pair(typing.NamedTuple):
    left: int
    right: int = 0

    def total(self):
        return self.left + self.right


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a):
        self.a = a


Color.RED.describe()
Color(2).describe()
Pair(1).total()
s = Slotted(1)
try:
    s.c = 3
except AttributeError:
    pass

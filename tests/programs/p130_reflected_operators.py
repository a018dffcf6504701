"""Reflected and in-place operators, and comparisons falling back."""
import functools


@functools.total_ordering
class Money:
    def __init__(self, cents):
        self.cents = cents

    def __add__(self, other):
        if isinstance(other, int):
            return Money(self.cents + other)
        return Money(self.cents + other.cents)

    def __radd__(self, other):
        return self.__add__(other)

    def __iadd__(self, other):
        self.cents += int(other)
        return self

    def __eq__(self, other):
        return self.cents == other.cents

    def __lt__(self, other):
        return self.cents < other.cents


total = sum([Money(1), Money(2)])
m = Money(5)
m += 3
bigger = Money(10) >= Money(3)
richest = max(Money(1), Money(7), Money(3))

"""classmethods as alternative constructors, and staticmethods."""


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    @classmethod
    def origin(cls):
        return cls(0, 0)

    @classmethod
    def from_tuple(cls, pair):
        x, y = pair
        return cls(x, y)

    @staticmethod
    def distance(a, b):
        dx = a.x - b.x
        dy = a.y - b.y
        return (dx * dx + dy * dy) ** 0.5

    @staticmethod
    def unused():
        return None


p = Point.from_tuple((3, 4))
Point.distance(Point.origin(), p)

"""Abstract base classes and NotImplementedError placeholders."""
import abc


class Shape(abc.ABC):
    @abc.abstractmethod
    def area(self):
        raise NotImplementedError

    def describe(self):
        return f"{type(self).__name__} with area {self.area()}"


class Square(Shape):
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side ** 2


class Plugin:
    def run(self):
        raise NotImplementedError("subclasses must implement run")


Square(3).describe()
try:
    Shape()
except TypeError:
    pass
try:
    Plugin().run()
except NotImplementedError:
    pass

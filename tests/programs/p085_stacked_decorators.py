"""Stacked decorators, decorators spread over lines, and decorated methods."""
import functools


def tag(name):
    def deco(func):
        @functools.wraps(func)
        def inner(*a):
            return f"<{name}>{func(*a)}</{name}>"
        return inner
    return deco


@tag("b")
@tag(
    "i"
)
def text(s):
    return s


class Widget:
    @tag("span")
    def render(self):
        return "widget"

    @staticmethod
    @tag("p")
    def static():
        return "static"

    @functools.cached_property
    def expensive(self):
        return sum(range(10))


text("x")
w = Widget()
w.render()
Widget.static()
w.expensive
w.expensive

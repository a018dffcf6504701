"""A class-based context manager, used with and without an exception."""


class Resource:
    def __init__(self, name):
        self.name = name
        self.open = False

    def __enter__(self):
        self.open = True
        return self

    def __exit__(self, exc_type, exc, tb):
        self.open = False
        if exc_type is not None:
            self.error = exc_type.__name__
        return False


with Resource("a") as r:
    value = r.name

try:
    with Resource("b") as r:
        raise ValueError("inside")
except ValueError:
    pass

with Resource("c"):
    pass

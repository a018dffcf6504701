"""Several context managers in one with statement, and nested withs."""


class CM:
    entered = []

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        CM.entered.append(self.name)
        return self.name

    def __exit__(self, *exc):
        CM.entered.append("/" + self.name)


with CM("a") as a, CM("b") as b:
    pair = a + b

with CM("outer"):
    with CM("inner") as inner:
        if inner == "nope":
            never = True

with CM("x"), \
        CM("y"):
    pass

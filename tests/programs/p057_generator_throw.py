"""throw() into generators: handled, unhandled, and re-yielding."""


def tolerant():
    while True:
        try:
            value = yield
        except ValueError:
            yield "recovered"
        else:
            if value == "quit":
                return


def fragile():
    yield 1
    yield 2


g = tolerant()
next(g)
g.send(1)
answer = g.throw(ValueError)
next(g)
try:
    g.send("quit")
except StopIteration:
    pass

f = fragile()
next(f)
try:
    f.throw(KeyError("boom"))
except KeyError:
    pass

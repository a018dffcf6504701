"""raise and return leaving nested blocks, caught or not."""


def inner(x):
    if x < 0:
        raise ValueError("neg")
    for i in range(x):
        if i == 2:
            raise StopIteration
    return x


def outer(x):
    try:
        return inner(x)
    except ValueError:
        return "value"
    except StopIteration:
        return "stop"


class Boom(Exception):
    pass


def raiser():
    with open(__file__) as f:
        if f:
            raise Boom()


outer(-1)
outer(5)
outer(1)
try:
    raiser()
except Boom:
    pass

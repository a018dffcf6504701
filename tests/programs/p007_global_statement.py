"""The global statement, at function level and nested."""

counter = 0
registry = {}


def bump(n=1):
    global counter
    counter += n
    return counter


def register(name):
    global registry
    if name in registry:
        return False
    registry[name] = bump()
    return True


def reset():
    global counter, registry
    counter = 0
    registry = {}


register("a")
register("b")
register("a")
if counter > 100:
    reset()

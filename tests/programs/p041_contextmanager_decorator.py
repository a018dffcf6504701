"""contextlib.contextmanager generators, with exceptions thrown into them."""
import contextlib


@contextlib.contextmanager
def tag(name, log):
    log.append(f"<{name}>")
    try:
        yield name
    except KeyError:
        log.append("handled")
    finally:
        log.append(f"</{name}>")


@contextlib.contextmanager
def simple():
    yield 1


log = []
with tag("p", log) as t:
    log.append(t)

with tag("q", log):
    raise KeyError("swallowed by the generator")

try:
    with tag("r", log):
        raise ValueError("passes through")
except ValueError:
    pass

with simple() as one:
    pass

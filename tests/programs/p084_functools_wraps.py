"""functools.wraps, and a decorator usable with or without arguments."""
import functools


def traced(func=None, *, label="call"):
    if func is None:
        return functools.partial(traced, label=label)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        wrapper.calls += 1
        return func(*args, **kwargs)
    wrapper.calls = 0
    wrapper.label = label
    return wrapper


@traced
def one(x):
    """Docstring kept by wraps."""
    return x


@traced(label="two")
def two(x, y):
    return x + y


one(1)
two(1, 2)
name = one.__name__
doc = one.__doc__

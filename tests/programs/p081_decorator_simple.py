"""A plain decorator that wraps functions, one decorated function never called."""

calls = []


def logged(func):
    def wrapper(*args, **kwargs):
        calls.append(func.__name__)
        return func(*args, **kwargs)
    return wrapper


@logged
def greet(name):
    return "hi " + name


@logged
def unused():
    return None


greet("bob")
greet("amy")

"""Decorators that take arguments, including keyword-only ones."""


def repeat(times, *, collect=False):
    def decorator(func):
        def wrapper(*args):
            results = []
            for _ in range(times):
                results.append(func(*args))
            if collect:
                return results
            return results[-1]
        return wrapper
    return decorator


@repeat(3)
def inc(x):
    return x + 1


@repeat(
    2,
    collect=True,
)
def echo(x):
    return x


inc(1)
echo("a")

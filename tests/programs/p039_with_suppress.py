"""Context managers that suppress exceptions, so lines after the raise are skipped."""
import contextlib


class Swallow:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return exc_type is not None and issubclass(exc_type, KeyError)


def lookup(d, key):
    result = "default"
    with Swallow():
        result = d[key]
        result = result.upper()
    return result


lookup({"a": "x"}, "a")
lookup({}, "a")

with contextlib.suppress(ZeroDivisionError):
    ratio = 1 / 0
    never = True
after = True

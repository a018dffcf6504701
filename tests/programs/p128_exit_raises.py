"""Context managers whose __exit__ raises or replaces the exception."""


class Replacing:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is KeyError:
            raise LookupError("replaced") from exc
        return False


class FailingExit:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        raise RuntimeError("exit failed")


def use(kind):
    try:
        with Replacing():
            if kind == "key":
                raise KeyError(kind)
            result = "fine"
    except LookupError as exc:
        result = type(exc).__name__
    return result


use("key")
use("none")
try:
    with FailingExit():
        body = True
except RuntimeError:
    pass

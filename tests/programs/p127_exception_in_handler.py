"""An exception raised while handling another one, and in finally."""


def in_handler():
    try:
        raise KeyError("first")
    except KeyError:
        raise ValueError("second")


def in_finally():
    try:
        return 1
    finally:
        raise RuntimeError("from finally")


def context_chain():
    try:
        in_handler()
    except ValueError as exc:
        return exc.__context__ is not None


context_chain()
try:
    in_finally()
except RuntimeError:
    pass

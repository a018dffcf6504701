"""Bare raise, raise ... from, and raising a different exception."""


def inner():
    raise KeyError("k")


def bare_reraise():
    try:
        inner()
    except KeyError:
        note = "seen"
        raise


def chained():
    try:
        inner()
    except KeyError as exc:
        raise RuntimeError("wrapped") from exc


def suppress_context():
    try:
        inner()
    except KeyError:
        raise ValueError("new") from None


for fn in (bare_reraise, chained, suppress_context):
    try:
        fn()
    except Exception as exc:
        kind = type(exc).__name__

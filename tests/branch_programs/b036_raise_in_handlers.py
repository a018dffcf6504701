"""Exceptions raised from except, else and finally clauses."""


def convert(text):
    try:
        return int(text)
    except ValueError:
        if text == "":
            raise
        raise TypeError(text)
    finally:
        pass


def handler_in_finally(x):
    try:
        y = 1 / x
    except ZeroDivisionError:
        raise KeyError(x)
    else:
        if y > 0.5:
            raise IndexError(y)
    return y


for arg in ("5", "x", ""):
    try:
        convert(arg)
    except (TypeError, ValueError):
        pass
for arg in (0, 1, 4):
    try:
        handler_in_finally(arg)
    except (KeyError, IndexError):
        pass

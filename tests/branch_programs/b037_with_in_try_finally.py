"""with statements inside try/finally and loops; with ending a function body."""
import contextlib


def f(paths):
    result = []
    for p in paths:
        try:
            with contextlib.nullcontext(p) as value:
                if value == "bad":
                    continue
                result.append(value)
        finally:
            result.append("/")
    return result


def g():
    with contextlib.nullcontext():
        with contextlib.nullcontext():
            pass


def h(flag):
    try:
        pass
    finally:
        with contextlib.nullcontext():
            if flag:
                x = 1


f(["a", "bad"])
g()
h(False)

"""PEP 758 in except*, with exception groups (3.14)."""
# requires: 3.14
def f(n):
    try:
        if n:
            raise ExceptionGroup("g", [ValueError(1), KeyError(2)])
    except* ValueError, TypeError:
        print("v")
    except* KeyError:
        print("k")
    return n
f(1)

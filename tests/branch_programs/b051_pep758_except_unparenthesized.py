"""PEP 758: except without parentheses, with a finally (3.14)."""
# requires: 3.14
def f(x):
    try:
        if x == 1:
            raise ValueError(x)
        if x == 2:
            raise KeyError(x)
        return 0
    except ValueError, KeyError:
        return 1
    finally:
        print("done")

f(0); f(1)

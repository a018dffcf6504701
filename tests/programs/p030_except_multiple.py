"""Several except clauses, tuples of types, and `as` names."""


def risky(kind):
    if kind == 1:
        raise ValueError("v")
    if kind == 2:
        raise TypeError("t")
    if kind == 3:
        raise KeyError("k")
    if kind == 4:
        raise OSError("o")
    return kind


def handle(kind):
    try:
        return risky(kind)
    except ValueError as exc:
        return str(exc)
    except (TypeError, KeyError) as exc:
        return type(exc).__name__
    except (
        OSError,
        EOFError,
    ):
        return "os"
    except Exception:
        return "other"


for k in range(5):
    handle(k)

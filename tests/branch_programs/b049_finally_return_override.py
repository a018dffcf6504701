"""return inside finally, and a try whose body cannot complete."""


def override(x):
    try:
        if x:
            return "try"
        raise ValueError
    finally:
        return "finally"


def never_completes():
    try:
        raise KeyError
    finally:
        pass
    return "unreachable"


def swallow():
    for i in range(2):
        try:
            raise ValueError
        finally:
            break
    return i


override(1)
override(0)
try:
    never_completes()
except KeyError:
    pass
swallow()

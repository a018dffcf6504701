"""break, continue and return inside try/finally."""


def loop(items):
    seen = []
    for item in items:
        try:
            if item == "stop":
                break
            if item == "skip":
                continue
            seen.append(item)
        finally:
            seen.append("f")
    return seen


def early(flag):
    try:
        if flag:
            return "early"
        value = "late"
    finally:
        cleanup = True
    return value


def nested(n):
    while n:
        try:
            try:
                n -= 1
                if n == 2:
                    raise KeyError(n)
            finally:
                pass
        except KeyError:
            continue
    return n


loop(["a", "skip", "b", "stop", "c"])
early(True)
nested(4)

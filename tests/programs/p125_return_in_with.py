"""return from inside with blocks, nested with blocks, and with in try."""


class CM:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def early(flag):
    with CM():
        if flag:
            return "early"
        with CM():
            value = "late"
    return value


def guarded():
    try:
        with CM():
            return 1
    finally:
        done = True


early(True)
early(False)
guarded()

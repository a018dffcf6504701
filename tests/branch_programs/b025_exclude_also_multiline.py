"""exclude_also regexes, one spanning two lines; blocks they open are excluded."""


def f(x):
    if x < 0:
        raise NotImplementedError(
            "spans lines")
    if x == 1:
        return "one"
    elif x == 2:
        return "two"
    debug_dump(x)
    return x


def debug_dump(x):
    if x > 10:
        print("big")


if __name__ == "__main__":
    f(1)
    f(5)

"""match/case with literals, captures and a wildcard."""


def describe(value):
    match value:
        case 0:
            return "zero"
        case 1 | 2:
            return "small"
        case [x, y]:
            return f"pair {x} {y}"
        case {"k": v}:
            return v
        case _:
            return "other"


def no_wildcard(value):
    match value:
        case "a":
            result = 1
        case "b":
            result = 2
    return value


for v in (0, 2, [1, 2], 99):
    describe(v)
no_wildcard("a")
no_wildcard("z")

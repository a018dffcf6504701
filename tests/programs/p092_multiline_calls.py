"""Function calls with arguments spread over many lines."""


def combine(*parts, sep=" ", end=""):
    return sep.join(str(p) for p in parts) + end


result = combine(
    1,
    2,
    3,
    sep="-",
    end="!",
)
nested = combine(
    combine(
        "a",
        "b",
    ),
    combine("c"),
)
chained = (
    "  text  "
    .strip()
    .upper()
    .replace("T", "t")
)


def never_called():
    return combine(
        "x",
        "y",
    )

"""Lambdas: as sort keys, in dicts, spread over lines, never called."""

people = [("bob", 30), ("al", 25), ("cy", 35)]
by_age = sorted(people, key=lambda p: p[1])
by_name = sorted(
    people,
    key=lambda p: (
        p[0],
        p[1],
    ),
)
ops = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "never": lambda a, b: a ** b,
}
ops["add"](1, 2)
ops["sub"](5, 3)
square = lambda x: x * x  # noqa: E731
square(4)
adders = [lambda x, n=n: x + n for n in range(3)]
adders[1](10)
conditional = (lambda x:
               "pos" if x > 0 else "neg")
conditional(-1)

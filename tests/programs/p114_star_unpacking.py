"""Star unpacking in assignments, calls and literals."""


def spread(*args, **kwargs):
    return len(args), sorted(kwargs)


head, *middle, tail = range(6)
merged = [*middle, *"ab"]
combined = {**{"a": 1}, **{"b": 2}}
spread(*merged, **combined)
spread(
    *[1, 2],
    **{"c": 3},
)
*init, last = "xyz"

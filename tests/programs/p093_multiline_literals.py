"""Dict, list, set and tuple literals spread over lines, with computed values."""


def compute(n):
    return n * 2


config = {
    "name": "demo",
    "size": compute(
        21
    ),
    "nested": {
        "deep": [
            1,
            2,
        ],
    },
}
items = [
    compute(1),
    compute(2),
]
unique = {
    "a",
    "b",
}
pair = (
    1,
    2,
)

"""Comprehensions spread over several lines, with nested conditions."""


def matrix(n):
    return [
        [
            (i * j)
            if (i + j) % 2 == 0
            else -(i * j)
            for j in range(n)
        ]
        for i in range(n)
        if i != 1
    ]


table = {
    key: value
    for key, value in zip("abc", range(3))
    if value
}
matrix(3)

# requires: 3.12
"""type aliases and generic functions (3.12+) among branches."""

type Pair[T] = tuple[T, T]


def first[T](p: Pair[T]) -> T:
    if p:
        return p[0]
    raise ValueError


class Box[T]:
    def __init__(self, item: T) -> None:
        self.item = item


first((1, 2))
Box(3)

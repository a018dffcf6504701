# requires: 3.12
"""Type parameter syntax and the type statement (Python 3.12+)."""

type Pair[T] = tuple[T, T]


class Box[T]:
    def __init__(self, item: T) -> None:
        self.item = item

    def get(self) -> T:
        return self.item


def first[T](items: list[T]) -> T:
    return items[0]


def never[T](x: T) -> T:
    return x


Box(1).get()
first([3, 2])
alias_value = Pair.__value__

"""Dataclasses: generated methods are not in this file, __post_init__ is."""
import dataclasses


@dataclasses.dataclass
class Item:
    name: str
    price: float
    tags: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        if self.price < 0:
            raise ValueError("negative price")

    def total(self, qty):
        return self.price * qty


@dataclasses.dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int = 0


item = Item("pen", 1.5)
item.total(3)
ordered = sorted([Version(1, 2), Version(1)])
try:
    Item("bad", -1)
except ValueError:
    pass

"""del of names, items, attributes and slices."""


class Box:
    pass


x = 1
del x

items = [0, 1, 2, 3, 4, 5]
del items[0]
del items[1:3]

mapping = {"a": 1, "b": 2}
del mapping["a"]

box = Box()
box.value = 5
del box.value

try:
    del mapping["missing"]
except KeyError:
    pass

a, b = 1, 2
del (
    a,
    b,
)

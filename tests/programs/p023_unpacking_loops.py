"""Loops with tuple unpacking, enumerate, zip and dict items."""

names = ["a", "b", "c"]
ages = [1, 2, 3]
table = {}
for name, age in zip(names, ages):
    table[name] = age

for i, (name, age) in enumerate(table.items()):
    if i == 1:
        continue
    table[name] = age * 2

first, *rest = names
(x, y), z = (1, 2), 3
for k in sorted(table):
    pass

"""Comprehensions and generator expressions inside branches and loops."""


def f(rows, flag):
    if flag:
        data = [x * 2 for x in rows if x]
    else:
        data = {x: x for x in rows}
    total = sum(y for y in data if y)
    while total > 100:
        total = sum(z // 2 for z in [total])
    return total


f([1, 0, 3], True)
f([], False)

"""for/else with break, loops that never start, nested loops."""


def first_even(numbers):
    for n in numbers:
        if n % 2 == 0:
            break
    else:
        return None
    return n


def pairs(rows):
    out = []
    for row in rows:
        for col in row:
            if col < 0:
                continue
            out.append(col)
        else:
            out.append("|")
    return out


first_even([1, 3, 4])
first_even([1, 3])
pairs([[1, -1], []])
for _ in []:
    pass
for _ in [1]:
    pass

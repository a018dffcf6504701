"""while loops: never entered, entered, else clauses, break and continue."""


def countdown(n):
    steps = []
    while n > 0:
        n -= 1
        if n == 5:
            continue
        if n == 100:
            break
        steps.append(n)
    else:
        steps.append("done")
    return steps


def find(seq, target):
    i = 0
    while i < len(seq):
        if seq[i] == target:
            break
        i += 1
    else:
        return -1
    return i


countdown(0)
countdown(7)
find([1, 2, 3], 2)

"""An if whose body always runs, one that never runs, and nested ifs."""


def check(items):
    total = 0
    for item in items:
        if item:
            total += item
        if item is None:
            total -= 100
            if total < -1000:
                total = 0
    return total


check([1, 2, 3])
check([0, 4])

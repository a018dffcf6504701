"""for loops with break and continue."""


def scan(items):
    seen = []
    for item in items:
        if item is None:
            continue
        if item == "stop":
            break
        seen.append(item)
    return seen


scan([1, None, 2, "stop", 3])
scan([])
scan([None, None])

total = 0
for i in range(10):
    if i % 2:
        continue
    total += i

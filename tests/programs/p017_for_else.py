"""for/else: the else runs only when the loop did not break."""


def find(items, target):
    for index, item in enumerate(items):
        if item == target:
            break
    else:
        return -1
    return index


find([1, 2, 3], 2)
find([1, 2, 3], 9)
find([], 1)

for n in range(3):
    pass
else:
    done = True

for n in range(3):
    if n == 1:
        break
else:
    never = True

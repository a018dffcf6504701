"""while/else where the else never runs, and a loop exited only by return."""


def scan(data):
    i = 0
    while i < len(data):
        if data[i] is None:
            break
        i += 1
    else:
        i = -1
    return i


def until_found(data):
    i = 0
    while True:
        if data[i]:
            return i
        i += 1


scan([1, None])
until_found([0, 0, 1])

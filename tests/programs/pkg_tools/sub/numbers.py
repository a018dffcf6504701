"""Number helpers."""


def clamp(value, low, high):
    if value < low:
        return low
    if value > high:
        return high
    return value


class Counter:
    def __init__(self):
        self.n = 0

    def incr(self):
        self.n += 1
        return self.n

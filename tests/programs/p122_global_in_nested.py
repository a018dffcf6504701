"""global inside nested functions and in a class method."""

total = 0


def outer():
    def inner(n):
        global total
        total += n
    for i in range(3):
        inner(i)


class Tracker:
    def record(self):
        global total
        total = -total
        return total


outer()
Tracker().record()

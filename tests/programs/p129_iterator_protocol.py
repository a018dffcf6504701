"""Classes implementing __iter__/__next__, and __iter__ as a generator."""


class Countdown:
    def __init__(self, start):
        self.n = start

    def __iter__(self):
        return self

    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n + 1


class Bag:
    def __init__(self, *items):
        self.items = items

    def __iter__(self):
        for item in self.items:
            if item is None:
                continue
            yield item


list(Countdown(3))
list(Bag(1, None, 2))
for _ in Countdown(0):
    never = True

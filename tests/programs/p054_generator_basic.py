"""A generator consumed by a for loop, by list(), and step by step."""


def countdown(n):
    while n > 0:
        yield n
        n -= 1
    return "done"


def evens(limit):
    for i in range(limit):
        if i % 2:
            continue
        yield i


for value in countdown(3):
    pass
all_evens = list(evens(7))
gen = countdown(2)
a = next(gen)
b = next(gen)
try:
    next(gen)
except StopIteration as stop:
    result = stop.value

"""A coroutine-style generator driven with send()."""


def averager():
    total = 0.0
    count = 0
    average = None
    while True:
        term = yield average
        if term is None:
            break
        total += term
        count += 1
        average = total / count
    return average


avg = averager()
next(avg)
for v in (10, 20, 60):
    avg.send(v)
try:
    avg.send(None)
except StopIteration as stop:
    final = stop.value

"""Generators abandoned before they finish: close(), break, and garbage."""


def resource_gen(log):
    log.append("open")
    try:
        for i in range(10):
            yield i
    finally:
        log.append("closed")


def no_finally():
    yield 1
    yield 2
    yield 3


log = []
g = resource_gen(log)
next(g)
next(g)
g.close()

for x in resource_gen(log):
    if x == 1:
        break

h = no_finally()
next(h)
del h

never_started = no_finally()
never_started.close()

"""Generators with try/finally and try/except around yields."""


def guarded(items, log):
    try:
        for item in items:
            try:
                yield item * 2
            except ArithmeticError:
                log.append("arith")
    finally:
        log.append("end")


log = []
list(guarded([1, 2], log))
g = guarded([1, 2, 3], log)
next(g)
g.throw(ZeroDivisionError)
g.close()

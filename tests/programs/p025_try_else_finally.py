"""try/except/else/finally in all its combinations."""

log = []


def work(x):
    try:
        log.append("try")
        if x < 0:
            raise ValueError(x)
    except ValueError:
        log.append("except")
    else:
        log.append("else")
    finally:
        log.append("finally")
    return len(log)


def only_finally(x):
    try:
        return 10 // x
    finally:
        log.append("cleanup")


work(1)
work(-1)
only_finally(2)
try:
    only_finally(0)
except ZeroDivisionError:
    pass

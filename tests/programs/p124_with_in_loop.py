"""with blocks inside loops, left by break, continue and return."""
import contextlib

log = []


@contextlib.contextmanager
def step(i):
    log.append(("in", i))
    yield i
    log.append(("out", i))


def run(n):
    for i in range(n):
        with step(i) as s:
            if s == 1:
                continue
            if s == 3:
                break
            log.append(s)
    return len(log)


def find(n, target):
    for i in range(n):
        with step(i):
            if i == target:
                return i
    return None


run(5)
find(4, 2)
find(2, 9)

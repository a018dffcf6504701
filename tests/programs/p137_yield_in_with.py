"""A generator that yields inside with blocks, exhausted and closed early."""


class Tracker:
    def __init__(self, log):
        self.log = log

    def __enter__(self):
        self.log.append("enter")
        return self

    def __exit__(self, *exc):
        self.log.append("exit")
        return False


def produce(log, n):
    with Tracker(log):
        for i in range(n):
            yield i
    log.append("after with")


log = []
list(produce(log, 2))
g = produce(log, 5)
next(g)
g.close()

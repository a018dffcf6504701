"""contextlib.ExitStack with callbacks and a variable number of managers."""
import contextlib

closed = []


class Thing:
    def __init__(self, n):
        self.n = n

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        closed.append(self.n)


def use(count):
    with contextlib.ExitStack() as stack:
        things = [stack.enter_context(Thing(i)) for i in range(count)]
        stack.callback(lambda: closed.append("callback"))
        if count > 5:
            stack.pop_all()
        return len(things)


use(3)
use(0)

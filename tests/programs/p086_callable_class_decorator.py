"""A class used as a decorator (__call__), and lru_cache."""
import functools


class CountCalls:
    def __init__(self, func):
        functools.update_wrapper(self, func)
        self.func = func
        self.count = 0

    def __call__(self, *args):
        self.count += 1
        return self.func(*args)


@CountCalls
def square(x):
    return x * x


@functools.lru_cache(maxsize=None)
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


square(3)
square(4)
fib(15)
fib(15)

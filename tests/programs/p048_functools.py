"""functools.partial, reduce and lambdas used through library code."""
import functools
import operator


def power(base, exponent):
    return base ** exponent


square = functools.partial(power, exponent=2)
cube = functools.partial(power, exponent=3)
squares = list(map(square, range(5)))
product = functools.reduce(lambda a, b: a * b, [1, 2, 3, 4])
total = functools.reduce(operator.add, [], 0)
evens = list(filter(lambda n: n % 2 == 0, range(10)))

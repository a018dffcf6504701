"""Closures capturing variables, and a closure factory in a loop."""


def make_multiplier(factor):
    def multiply(x):
        return x * factor
    return multiply


def make_counters(n):
    counters = []
    for i in range(n):
        def counter(start=i):
            return start + 1
        counters.append(counter)
    return counters


double = make_multiplier(2)
triple = make_multiplier(3)
values = [double(5), triple(5)]
results = [c() for c in make_counters(3)]

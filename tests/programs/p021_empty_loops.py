"""Loops whose bodies never run."""


def total(items):
    s = 0
    for x in items:
        s += x
    return s


def drain(n):
    while n > 100:
        n -= 1
    return n


total([])
drain(5)

for never in ():
    unused = never

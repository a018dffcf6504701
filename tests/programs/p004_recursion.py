"""Simple recursion: factorial, fibonacci, and a recursive tree walk."""


def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def depth(tree):
    if not tree:
        return 0
    return 1 + max(depth(child) for child in tree)


factorial(6)
fib(8)
depth([[[]], [[], [[]]]])

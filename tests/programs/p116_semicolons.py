"""Several statements on one line, separated by semicolons."""

a = 1; b = 2; c = a + b  # noqa: E702


def f(x):
    y = x + 1; z = y * 2  # noqa: E702
    if z > 100: return "big"; w = 1  # noqa: E701,E702
    return z


f(1)
f(100)

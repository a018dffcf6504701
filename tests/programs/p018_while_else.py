"""while/else, with and without break."""


def countdown(n, stop_at=None):
    steps = 0
    while n > 0:
        if n == stop_at:
            break
        n -= 1
        steps += 1
    else:
        steps = -steps
    return steps


countdown(5)
countdown(5, stop_at=3)
countdown(0)

"""while True loops left by break or return."""


def collatz_steps(n):
    steps = 0
    while True:
        if n == 1:
            break
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def first_square_above(limit):
    i = 0
    while True:
        i += 1
        if i * i > limit:
            return i


def while_one():
    k = 0
    while 1:
        k += 1
        if k > 3:
            break
    return k


collatz_steps(6)
first_square_above(50)
while_one()

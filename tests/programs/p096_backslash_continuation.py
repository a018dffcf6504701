"""Backslash line continuations in statements and conditions."""


def total(a, b, c):
    result = a + \
        b + \
        c
    return result


x = total(1, 2, 3)
if x > 5 and \
        x < 10:
    y = x \
        * 2
else:
    y = 0
assert y == 12, \
    "unexpected"
with open(__file__) as f, \
        open(__file__) as g:
    same = f.read(10) == g.read(10)

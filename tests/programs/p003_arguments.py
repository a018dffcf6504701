"""Default, *args, **kwargs, keyword-only and positional-only parameters."""


def with_defaults(a, b=2, c=None):
    if c is None:
        c = []
    c.append(a + b)
    return c


def star_args(*args, **kwargs):
    count = len(args)
    for key in sorted(kwargs):
        count += len(key)
    return count


def kw_only(a, *, scale=1, offset=0):
    return a * scale + offset


def pos_only(a, b, /, c=3):
    return a + b + c


with_defaults(1)
with_defaults(1, 5, [0])
star_args(1, 2, x=3, yy=4)
star_args()
kw_only(3, scale=2)
pos_only(1, 2)

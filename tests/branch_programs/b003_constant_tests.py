"""Constant tests are not branches: while True, if 0, if 1, while 1, __debug__."""
import sys

DEBUG = False


def loop_forever(limit):
    n = 0
    while True:
        n += 1
        if n >= limit:
            break
    while 1:
        n -= 1
        if n <= 0:
            return n


if 0:
    print("never compiled")
if 1:
    x = loop_forever(3)
if True:
    y = 2
else:
    y = 3
if False:
    z = 1
if __debug__:
    w = 1
if not False:
    v = 1
if DEBUG:
    print("debug")
if True and 1:
    u = 1
if None:
    t = 1
while False:
    sys.exit(2)
while 0:
    pass
else:
    s = 1

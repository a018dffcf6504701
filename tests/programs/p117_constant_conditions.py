"""Constant conditions the compiler optimizes: if 0, while 1, __debug__."""
DEBUG = False

if 0:
    never_zero = True

if False:
    never_false = True

if True:
    always = True

if __debug__:
    debug_mode = True
else:
    optimized = True

while 1:
    break

if DEBUG:
    log = "debug"


def constant_return():
    if 1:
        return "yes"
    return "no"


constant_return()

"""Functions and classes defined conditionally at module level."""
import sys

if sys.version_info >= (3, 0):
    def impl():
        return "py3"
else:
    def impl():
        return "py2"

try:
    from math import isqrt
except ImportError:
    def isqrt(n):
        return int(n ** 0.5)

if hasattr(sys, "no_such_attribute"):
    class Special:
        pass
else:
    class Special:
        flag = True

impl()
isqrt(17)
Special()

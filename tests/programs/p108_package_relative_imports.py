"""A package with relative imports, a subpackage and an empty __init__.py."""
# uses: pkg_tools
import pkg_tools
from pkg_tools.sub.numbers import Counter

pkg_tools.text.shout("hello there, long string")
pkg_tools.text.shout("hi")
c = Counter()
c.incr()
c.incr()

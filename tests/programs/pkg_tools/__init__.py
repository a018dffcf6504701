"""Helper package for p108: relative imports and a subpackage."""
from . import text
from .sub import numbers

VERSION = (1, 0)

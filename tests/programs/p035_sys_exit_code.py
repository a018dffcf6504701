"""sys.exit with a non-zero code from a function called at module level."""
import sys


def check(args):
    if len(args) < 5:
        sys.exit(3)
    return args


value = 1
check(["only one"])
value = 2  # never runs

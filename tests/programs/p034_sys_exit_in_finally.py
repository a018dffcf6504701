"""sys.exit inside try/finally: the finally runs, lines after it do not."""
import sys


def main():
    try:
        work = 1 + 1
        sys.exit(0)
        unreachable = 2
    finally:
        cleaned = True
    after_finally = 3
    return after_finally


try:
    main()
finally:
    top_cleanup = True
never_here = True

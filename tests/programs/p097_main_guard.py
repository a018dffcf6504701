"""Module-level code with an if __name__ == "__main__" guard."""
import sys


def main(argv):
    if len(argv) > 100:
        return 1
    return 0


def helper():
    return "never"


if __name__ == "__main__":
    code = main(sys.argv)
else:
    code = None

if __name__ != "__main__":
    imported = True

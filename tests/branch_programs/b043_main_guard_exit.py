"""A main guard that exits with a status: the exit code is kept."""
import sys


def main(argv):
    if len(argv) > 3:
        return 0
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))

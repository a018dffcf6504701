"""``python -m covcore``: the command line."""

from covcore.cmdline import entry_point

entry_point()

"""Exceptions covcore raises for problems a user can cause and fix."""

from __future__ import annotations


class CovcoreError(Exception):
    """Any error covcore reports to the user as one clear line."""


class ConfigError(CovcoreError):
    """A configuration file or option is not valid."""


class DataError(CovcoreError):
    """A data file cannot be read or written."""


class NoSource(CovcoreError):
    """A source file (or the program to run) cannot be found."""


class NotPython(CovcoreError):
    """A source file is not Python (it does not parse)."""


class CoreUnavailable(CovcoreError):
    """The tracer core that was asked for cannot be used here."""


class ExitProgram(Exception):
    """The measured program ended with ``sys.exit`` or an uncaught exception."""

    def __init__(self, code: int, signum: int = 0) -> None:
        super().__init__(code)
        self.code = code
        #: The signal the process must die of once covcore is done (an
        #: uncaught KeyboardInterrupt: SIGINT, as Python does), or 0.
        self.signum = signum


class PluginError(CovcoreError):
    """A coverage.py plug-in named in ``[run] plugins`` can't be loaded or failed."""

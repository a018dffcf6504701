"""The version of covcore."""

__version__ = "0.1.0"

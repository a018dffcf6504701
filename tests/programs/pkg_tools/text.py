"""Text helpers."""
from .sub.numbers import clamp


def shout(s, limit=10):
    n = clamp(len(s), 0, limit)
    return s[:n].upper() + "!"


def whisper(s):
    return s.lower()

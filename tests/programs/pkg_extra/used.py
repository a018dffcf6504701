"""Imported by p107."""


def used():
    return "used"

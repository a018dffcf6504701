"""Module docstring.

Spread over several lines.
"""


def only_docstring():
    """This function has only a docstring."""


def docstring_and_pass():
    """Docstring then pass."""
    pass


def ellipsis_body():
    ...


class Empty:
    """A class with only a docstring."""


class WithPass:
    pass


only_docstring()
docstring_and_pass()
ellipsis_body()
Empty()
WithPass()

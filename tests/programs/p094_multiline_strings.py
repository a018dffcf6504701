"""Triple-quoted strings, implicit concatenation and f-strings over lines."""

name = "world"
text = """first line
second line
third line"""
joined = (
    "abc"
    "def"
    f"{name}"
)
formatted = f"""
hello {name}
{1 + 2}
"""


def doc_only():
    """A docstring
    over several
    lines."""
    return """a
b"""


doc_only()
sql = ("SELECT *"
       " FROM t"
       " WHERE x = 1")

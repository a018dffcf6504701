"""PEP 750: template strings, one on several lines (3.14)."""
# requires: 3.14
from string.templatelib import Template
name = "w"
def render(t):
    out = []
    for part in t:
        if isinstance(part, str):
            out.append(part)
        else:
            out.append(str(part.value))
    return "".join(out)
t = t"hello {name}!"
print(render(t))
multi = t"""a
{name if name else
  "x"}
b"""
print(render(multi))

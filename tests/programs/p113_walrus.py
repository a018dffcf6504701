"""Assignment expressions in if, while and comprehensions."""
import re


def first_number(text):
    if (m := re.search(r"\d+", text)) is not None:
        return int(m.group())
    return None


def chunks(data, size):
    out = []
    pos = 0
    while chunk := data[pos:pos + size]:
        out.append(chunk)
        pos += size
    return out


first_number("abc 42 def")
first_number("none")
chunks("abcdefg", 3)
values = [y for x in range(5) if (y := x * x) > 4]

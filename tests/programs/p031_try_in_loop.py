"""try statements inside loops, with continue and break in the handlers."""


def convert(items):
    out = []
    for item in items:
        try:
            value = int(item)
        except ValueError:
            continue
        except TypeError:
            break
        else:
            out.append(value)
    return out


convert(["1", "x", "2", None, "3"])
convert([])

attempts = 0
while True:
    try:
        attempts += 1
        if attempts < 3:
            raise ConnectionError
        break
    except ConnectionError:
        pass

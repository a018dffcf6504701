"""try statements inside loops, with else clauses and continue in handlers."""


def parse_all(texts):
    values = []
    for text in texts:
        try:
            value = int(text)
        except ValueError:
            continue
        else:
            if value < 0:
                break
        finally:
            values.append(None)
        values.append(value)
    else:
        values.append("end")
    return values


parse_all(["1", "x", "2"])
parse_all(["-1", "3"])

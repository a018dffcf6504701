"""Nested ifs without else clauses."""


def categorize(x, y):
    result = []
    if x > 0:
        if y > 0:
            result.append("q1")
        if y < 0:
            result.append("q4")
            if x > 100:
                result.append("far")
    else:
        if y > 0:
            result.append("q2")
    return result


categorize(1, 1)
categorize(1, -1)
categorize(-1, 1)
categorize(-1, -1)

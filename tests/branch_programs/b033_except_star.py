# requires: 3.11
"""except* clauses and branches around them."""


def run(kind):
    try:
        if kind == "v":
            raise ExceptionGroup("g", [ValueError(1)])
        if kind == "t":
            raise ExceptionGroup("g", [TypeError(2)])
        result = "none"
    except* ValueError:
        result = "value"
    except* TypeError:
        result = "type"
    return result


run("v")
run("n")

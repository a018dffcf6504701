# requires: 3.11
"""except* with exception groups (Python 3.11+)."""


def raise_group(kinds):
    errors = []
    for kind in kinds:
        if kind == "v":
            errors.append(ValueError("v"))
        elif kind == "t":
            errors.append(TypeError("t"))
    raise ExceptionGroup("group", errors)


def handle(kinds):
    log = []
    try:
        raise_group(kinds)
    except* ValueError as eg:
        log.append(("value", len(eg.exceptions)))
    except* TypeError:
        log.append("type")
    return log


handle(["v"])
handle(["v", "t", "v"])
try:
    handle(["t"]) and handle([])
except ValueError:
    pass

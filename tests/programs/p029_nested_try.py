"""try statements inside try statements, inside except and finally."""


def nested(kind):
    log = []
    try:
        try:
            if kind == "inner":
                raise ValueError
            if kind == "outer":
                raise KeyError
        except ValueError:
            log.append("inner handled")
        finally:
            log.append("inner finally")
    except KeyError:
        log.append("outer handled")
        try:
            raise TypeError
        except TypeError:
            log.append("in handler")
    finally:
        try:
            log.append("outer finally")
        finally:
            log.append("deepest")
    return log


nested("inner")
nested("outer")
nested("none")

"""try/except/else/finally in every combination."""


def divide(a, b):
    try:
        result = a / b
    except ZeroDivisionError:
        result = None
    except (TypeError, ValueError) as exc:
        result = str(exc)
    else:
        result = result * 2
    finally:
        done = True
    return result, done


def parse(text):
    try:
        value = int(text)
    except ValueError:
        return None
    else:
        if value < 0:
            raise ValueError("negative")
    return value


divide(4, 2)
divide(1, 0)
parse("12")
parse("x")

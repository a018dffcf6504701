"""finally blocks that run on return, and a return in finally."""


def returns_in_try():
    try:
        return "try"
    finally:
        cleanup = True


def finally_overrides():
    try:
        return "try"
    finally:
        return "finally"  # noqa: B012


def finally_swallows():
    try:
        raise ValueError("lost")
    finally:
        return "swallowed"  # noqa: B012


def loop_with_finally(n):
    out = []
    for i in range(n):
        try:
            if i == 2:
                break
            if i == 0:
                continue
            out.append(i)
        finally:
            out.append(-i)
    return out


returns_in_try()
finally_overrides()
finally_swallows()
loop_with_finally(5)

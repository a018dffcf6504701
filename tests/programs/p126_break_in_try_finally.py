"""break and continue inside try/finally inside while loops."""


def loop(limit):
    log = []
    i = 0
    while True:
        try:
            i += 1
            if i % 2 == 0:
                continue
            if i > limit:
                break
            log.append(i)
        finally:
            log.append("f")
    return log


loop(4)
loop(0)

"""Threads that take different paths; each path is fixed by its argument."""
import threading

out = {}


def classify(n):
    if n % 2 == 0:
        kind = "even"
    else:
        kind = "odd"
    try:
        if n == 3:
            raise ValueError(n)
    except ValueError:
        kind = "three"
    out[n] = kind


def never_run_in_thread():
    return "unused"


threads = []
for n in range(4):
    t = threading.Thread(target=classify, args=(n,))
    threads.append(t)
    t.start()
for t in threads:
    t.join()

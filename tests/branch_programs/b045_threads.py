"""Branches run in threads: each thread takes a known path."""
import threading

results = {}


def worker(n):
    if n % 2:
        results[n] = "odd"
    else:
        results[n] = "even"
    for i in range(n):
        if i > 10:
            break


threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
for t in threads:
    t.start()
for t in threads:
    t.join()

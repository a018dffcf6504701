"""Threads started and joined; each thread takes the same path."""
import threading

results = []
lock = threading.Lock()


def work(n):
    total = 0
    for i in range(n):
        total += i
    with lock:
        results.append(total)


threads = [threading.Thread(target=work, args=(10,)) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()

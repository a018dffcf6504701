"""A threading.Thread subclass with run(), and an Event for ordering."""
import threading


class Worker(threading.Thread):
    def __init__(self, event, values):
        super().__init__()
        self.event = event
        self.values = values
        self.total = None

    def run(self):
        self.event.wait()
        self.total = sum(self.values)


ready = threading.Event()
w = Worker(ready, [1, 2, 3])
w.start()
ready.set()
w.join()
assert w.total == 6

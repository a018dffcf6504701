"""An exception raised and handled inside a thread, one uncaught in a thread."""
import threading

caught = []


def handled():
    try:
        {}["missing"]
    except KeyError:
        caught.append("key")


def unhandled():
    raise RuntimeError("escapes the thread")


threading.excepthook = lambda args: caught.append(args.exc_type.__name__)
t1 = threading.Thread(target=handled)
t1.start()
t1.join()
t2 = threading.Thread(target=unhandled)
t2.start()
t2.join()

"""Threads the settrace cores would miss: ``_thread`` threads and threads already running.

``threading`` gives each new thread a trace function (``threading.settrace``),
which is how the collector starts a tracer in it.  Two kinds of threads get
no trace function that way:

* threads started with ``_thread.start_new_thread`` (or its aliases): while
  measuring, the ``_thread`` functions are replaced by wrappers that start a
  tracer in the new thread before calling the function;
* threads that were already running when measurement started: each of them
  gets a one-shot trace function (the *trampoline*).  At the thread's next
  event, in that thread, the trampoline starts a tracer, tells it about the
  frames that are running (as if they had just been called, outermost
  first), and hands it the event.  From then on the thread is measured like
  any other.  On Python 3.12+ the trampoline is installed with
  ``threading.settrace_all_threads`` (plus ``f_trace`` on the running frames,
  so that their line events reach it); before 3.12 there is no Python API to
  set another thread's trace function, so the C API's ``_PyEval_SetTrace``
  is called through ctypes for each other thread state.

None of this adds work to the tracers' per-event code: it runs once per
thread.  The sys.monitoring core needs none of it (one tracer sees every
thread).  See docs/trouble.md.
"""

from __future__ import annotations

import sys
import threading
from types import FrameType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

import _thread

if TYPE_CHECKING:
    from covcore.collector import Collector

# The _thread functions that start a thread; threading keeps its own references.
_STARTERS = ("start_new_thread", "start_new", "start_joinable_thread")
_EVENTS = {0: "call", 1: "exception", 2: "line", 3: "return"}

_originals: dict[str, Callable[..., Any]] = {}
_collector: Optional["Collector"] = None


class _TracedStart:
    """What a wrapped ``_thread`` starter runs: start a tracer, then call the function.

    Its repr is the function's, so messages about the thread (an uncaught
    exception) name the program's function.
    """

    def __init__(self, collector: "Collector", function: Callable[..., Any],
                 args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.collector = collector
        self.function = function
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return repr(self.function)

    def __call__(self) -> Any:
        if self.collector.started:
            self.collector.start_tracer()
        return self.function(*self.args, **self.kwargs)


def _check_start_args(function: Any, args: Any, kwargs: Any) -> None:
    # The checks _thread.start_new_thread makes, with its messages.
    if not callable(function):
        raise TypeError("first arg must be callable")
    if not isinstance(args, tuple):
        raise TypeError("2nd arg must be a tuple")
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError("optional 3rd arg must be a dictionary")


def _wrap_start_new_thread(original: Callable[..., Any]) -> Callable[..., Any]:
    def start_new_thread(function: Any, args: Any, kwargs: Any = None) -> Any:
        collector = _collector
        if collector is None:
            return original(function, args, *(() if kwargs is None else (kwargs,)))
        _check_start_args(function, args, kwargs)
        return original(_TracedStart(collector, function, args, kwargs or {}), ())

    start_new_thread.__doc__ = original.__doc__
    return start_new_thread


def _wrap_start_joinable_thread(original: Callable[..., Any]) -> Callable[..., Any]:
    def start_joinable_thread(function: Any, *args: Any, **kwargs: Any) -> Any:
        collector = _collector
        if collector is not None and callable(function):
            function = _TracedStart(collector, function, (), {})
        return original(function, *args, **kwargs)

    start_joinable_thread.__doc__ = original.__doc__
    return start_joinable_thread


def install(collector: "Collector") -> None:
    """Measure ``_thread`` threads and the threads already running, for `collector`."""
    global _collector
    _collector = collector
    for name in _STARTERS:
        current = getattr(_thread, name, None)
        if current is None or name in _originals:
            continue
        _originals[name] = current
        wrap = _wrap_start_joinable_thread if name == "start_joinable_thread" else _wrap_start_new_thread
        setattr(_thread, name, wrap(current))
    _adopt_running_threads(collector)


def uninstall(collector: "Collector") -> None:
    """Put the ``_thread`` functions back (threads not yet adopted stop at their next event)."""
    global _collector
    if _collector is not collector:
        return
    _collector = None
    for name, original in _originals.items():
        setattr(_thread, name, original)
    _originals.clear()


# -- Threads already running ---------------------------------------------------


def _adopt(collector: "Collector", frame: FrameType, event: str, arg: Any) -> Any:
    """In a running thread's first event: start its tracer and give it the running frames.

    Returns the local trace function for `frame`, as a trace function would.
    """
    tracer = collector.start_tracer()
    running = []
    outer: Optional[FrameType] = frame if event not in ("call", "return") else frame.f_back
    while outer is not None:
        running.append(outer)
        outer = outer.f_back
    for running_frame in reversed(running):
        local = tracer(running_frame, "call", None)  # type: ignore[operator]
        if local is not None:
            running_frame.f_trace = local
    if event in ("call", "line"):
        # The tracer records the event itself; a return or an exception of a
        # frame it never saw start has nothing to record.
        return tracer(frame, event, arg)  # type: ignore[operator]
    return None


def _trampoline(frame: FrameType, event: str, arg: Any) -> Any:
    """The one-shot trace function of a thread that was running at start (3.12+)."""
    collector = _collector
    if collector is None or not collector.started:
        sys.settrace(None)
        return None
    if threading.get_ident() == collector.starter_ident:
        return None     # the thread calling start() gets its own tracer
    return _adopt(collector, frame, event, arg)


def _c_trampoline(obj: Any, frame: FrameType, what: int, arg: Any) -> int:
    """The trampoline as a C-level trace function (before 3.12): every event reaches it."""
    try:
        event = _EVENTS.get(what)
        collector = _collector
        if collector is None or not collector.started:
            sys.settrace(None)
        elif event is not None:
            local = _adopt(collector, frame, event, None)
            if local is not None:
                frame.f_trace = local
    except Exception:    # noqa: BLE001 - the measured program must not break
        sys.settrace(None)
    return 0


# The ctypes function type of a C trace function, and the C trampoline: made
# once, when first needed, and kept alive for as long as a thread may call it.
_c_api: list[Any] = []


def _adopt_running_threads(collector: "Collector") -> None:
    if sys.version_info >= (3, 12):
        frames = sys._current_frames()
        threading.settrace_all_threads(_trampoline)
        for ident, frame in frames.items():
            if ident == collector.starter_ident:
                continue
            walk: Optional[FrameType] = frame
            while walk is not None:
                walk.f_trace = _trampoline
                walk = walk.f_back
    elif len(sys._current_frames()) > 1:
        _set_trace_other_threads()


def _set_trace_other_threads() -> None:
    """Give every other thread state the C trampoline (Python 3.10 and 3.11)."""
    import ctypes

    api = ctypes.pythonapi
    if not _c_api:
        tracefunc = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.py_object, ctypes.c_int, ctypes.c_void_p)
        api.PyInterpreterState_Get.restype = ctypes.c_void_p
        api.PyInterpreterState_ThreadHead.restype = ctypes.c_void_p
        api.PyInterpreterState_ThreadHead.argtypes = [ctypes.c_void_p]
        api.PyThreadState_Next.restype = ctypes.c_void_p
        api.PyThreadState_Next.argtypes = [ctypes.c_void_p]
        api.PyThreadState_Get.restype = ctypes.c_void_p
        api._PyEval_SetTrace.restype = ctypes.c_int
        api._PyEval_SetTrace.argtypes = [ctypes.c_void_p, tracefunc, ctypes.c_void_p]
        _c_api.append(tracefunc(_c_trampoline))
    trampoline = _c_api[0]
    # Thread states are only freed by their own thread, holding the GIL: keep
    # the GIL (no thread switch) while walking the list.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        current = api.PyThreadState_Get()
        tstate = api.PyInterpreterState_ThreadHead(api.PyInterpreterState_Get())
        while tstate:
            if tstate != current:
                api._PyEval_SetTrace(tstate, trampoline, None)
            tstate = api.PyThreadState_Next(tstate)
    finally:
        sys.setswitchinterval(interval)

"""Living beside the program's own trace and profile functions.

While covcore measures with a settrace core, the program's ``sys.settrace``
would replace covcore's tracer.  Instead, ``sys.settrace``/``sys.gettrace``
(and ``threading.settrace``/``gettrace``/``settrace_all_threads``) are
replaced by versions that hand the program's function to the running tracer,
which calls it after itself with CPython's semantics (the "foreign" tracer);
``sys.gettrace()`` returns what the program set.  The sys.monitoring core
needs none of this: the program's settrace is independent of it.

CPython runs profile functions with tracing switched off, so the code of a
``sys.setprofile`` function is never measured.  ``sys.setprofile`` is replaced
by a version that installs a wrapper: it calls the program's function with
tracing switched back on (``_ctracer.call_traced``) and keeps the profile
events of that function's own code away from it, so the profiler sees the
same events as without covcore and never recurses.

The replacements are installed as built-in functions that run with tracing
off (``_ctracer.untraced``): the program's tracer and profiler see no frame
of covcore's, and the profiler gets the ``c_call``/``c_return`` events of the
C functions replaced, exactly when CPython would give them.  While the
program's profile function runs (traced, for covcore), the program's own
trace function is held back: CPython would never show it that code, and a
tracer and a profiler sharing a lock would deadlock.

Under the settrace cores (3.12+), the ``sys.monitoring`` functions that
take a tool, set its events or register its callbacks are replaced too: a
debugger built on sys.monitoring (3.14's pdb) reads and sets the frames'
``f_trace`` and ``f_trace_lines``, which the settrace cores use (see "The
program's sys.monitoring tools" below).

None of this adds work to the per-line path: only the program's calls to
these functions, and its tracer or profiler when it has one, cost anything.
"""

from __future__ import annotations

import os
import sys
from _thread import _local as local
from types import CodeType, FrameType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Optional
    from covcore.types import Tracer

    TTraceFunc = Optional[Callable[..., Any]]


_COVCORE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _warn(message: str, once_key: str) -> None:
    from covcore.control import warn
    warn(message, once_key=once_key, slug="trace-changed")


def _lines_on(frame: Optional[FrameType]) -> None:
    """The running frames from `frame` outwards get back the line events a core switched off.

    (The program's tracer or debugger now wants them, as CPython gives them.)
    """
    while frame is not None:
        frame.f_trace_lines = True
        frame = frame.f_back


def _call_traced_fallback(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


class TraceHooks:
    """Installs and removes the replacements described in the module docstring."""

    def __init__(self, tracers: Callable[[], Iterable[Tracer]], chain_settrace: bool,
                 own_tracer: Callable[[], Optional[Tracer]] = lambda: None,
                 thread_start: Any = None) -> None:
        self._tracers = tracers
        self.chain_settrace = chain_settrace
        #: callable() -> this thread's tracer, if it has one.
        self._own_tracer = own_tracer
        #: The collector's trace function for new threads (threading's, not the program's).
        self._thread_start = thread_start
        #: The program's threading.settrace() function, given to new threads' tracers.
        self.thread_trace: TTraceFunc = None
        self._saved: list[tuple[Any, str, Any]] = []
        self._profile_wrappers: dict[int, Callable[..., Any]] = {}
        self._foreign_to_restore: TTraceFunc = None
        #: The code of each replacement -> the function it replaces (see _profile_view).
        self._stands_for: dict[CodeType, Any] = {}
        #: File names -> is it covcore's own code (hidden from the program's profiler)?
        self._covcore_files: dict[str, bool] = {}
        #: Per thread: the replacement frames whose c_call the profiler was given.
        self._pending = local()
        self._untraced: Callable[[Any, str], Any] = lambda fn, name: fn
        #: The program has a sys.monitoring tool of its own (settrace cores, 3.12+).
        self.program_tools = False
        #: (tool, event) -> (covcore's wrapper, the program's callback) (see register_callback).
        self._callbacks: dict[tuple[int, int], tuple[Any, Any]] = {}
        self._around: Optional[Callable[..., Any]] = None
        try:
            from covcore._ctracer import around, call_traced, call_traced_alone, untraced
            self._untraced = untraced
            self._around = around
            # The settrace cores hold back the program's tracer themselves
            # (_wrap_profile); under the sysmon core it is CPython's own.
            self._call_traced: Callable[..., Any] = call_traced if chain_settrace else call_traced_alone
        except ImportError:   # a pure-Python install: profile code stays unmeasured
            self._call_traced = _call_traced_fallback

    # -- Installing --

    def _replace(self, owner: Any, name: str, new: Any) -> None:
        if hasattr(owner, name):
            original = getattr(owner, name)
            self._saved.append((owner, name, original))
            # A built-in that runs `new` untraced (see _ctracer.untraced), so
            # that the program's tracer and profiler see what they would see
            # of `original`.
            setattr(owner, name, self._untraced(new, name))
            # Without the C extension, its frames stand for `original` (_profile_view).
            self._stands_for[getattr(new, "__func__", new).__code__] = original

    def install(self) -> None:
        """Put the replacements in place (at the collector's start)."""
        self._orig_settrace = sys.settrace
        self._orig_gettrace = sys.gettrace
        self._orig_setprofile = sys.setprofile
        self._orig_getprofile = sys.getprofile
        self._orig_setprofile_all: Any = getattr(sys, "_setprofileallthreads", None)
        if self.chain_settrace:
            import threading  # the settrace cores use it anyway

            self._replace(sys, "settrace", self.settrace)
            self._replace(sys, "gettrace", self.gettrace)
            self._replace(threading, "settrace", self.threading_settrace)
            self._replace(threading, "gettrace", self.threading_gettrace)
            self._replace(threading, "settrace_all_threads", self.settrace_all_threads)
            monitoring = getattr(sys, "monitoring", None)
            if monitoring is not None:
                self._orig_get_tool = monitoring.get_tool
                self._orig_register_callback = monitoring.register_callback
                # The methods by their names as written: an attribute name
                # built at run time (not interned) made CPython keep a little
                # memory at each start (about 130 bytes, tests/test_refleaks.py).
                replacements = {
                    "use_tool_id": self.monitoring_use_tool_id,
                    "free_tool_id": self.monitoring_free_tool_id,
                    "clear_tool_id": self.monitoring_clear_tool_id,
                    "register_callback": self.monitoring_register_callback,
                    "set_events": self.monitoring_set_events,
                    "set_local_events": self.monitoring_set_local_events,
                }
                self._orig_monitoring = {name: getattr(monitoring, name) for name in replacements
                                         if hasattr(monitoring, name)}
                for name, replacement in replacements.items():
                    self._replace(monitoring, name, replacement)
        self._replace(sys, "setprofile", self.setprofile)
        self._replace(sys, "getprofile", self.getprofile)
        # threading.setprofile_all_threads (3.12+) is threading.setprofile()
        # then sys._setprofileallthreads(), looked up at each call: replacing
        # the latter reaches it without importing threading, which the
        # sysmon core never needs (it costs every measured process start-up
        # time), and whether the program imports it before or after start().
        self._replace(sys, "_setprofileallthreads", self.setprofile_all_threads)
        # A profiler that was already running gets its code measured from now on.
        current = self._orig_getprofile()
        if current is not None:
            self._orig_setprofile(self._wrap_profile(current))

    def uninstall(self) -> None:
        """Restore the originals; a program tracer of this thread keeps running."""
        foreign: TTraceFunc = self.gettrace() if self.chain_settrace else None
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()
        self._unwrap_callbacks()
        self.program_tools = False
        profile = self._orig_getprofile()
        wrapped = getattr(profile, "__wrapped__", None)
        if wrapped is not None:
            self._orig_setprofile(wrapped)
        self._foreign_to_restore = foreign

    def restore_program_tracer(self) -> None:
        """After the tracer stopped: give the program's tracer back to CPython."""
        foreign = self._foreign_to_restore
        if foreign is not None:
            self._foreign_to_restore = None
            sys.settrace(foreign)

    # -- settrace --

    def _ours(self, obj: Any) -> Optional[Any]:
        tracers = list(self._tracers())
        for candidate in (obj, getattr(obj, "__self__", None)):
            if candidate is not None and any(candidate is t for t in tracers):
                return candidate
        return None

    def running_tracer(self) -> Optional[Any]:
        """The tracer of ours that is this thread's trace function, if any."""
        if not self._saved:
            return None
        return self._ours(self._orig_gettrace())

    def settrace(self, function: TTraceFunc) -> None:
        """sys.settrace while measuring: chain the program's function."""
        self._reclaim(sys._getframe(1))
        tracer = self._ours(self._orig_gettrace())
        if tracer is None:
            self._orig_settrace(function)
        else:
            if function is not None and self._ours(function) is not None:
                # Restoring a trace function it read from a frame's f_trace:
                # without covcore that was None.
                function = None
            tracer.foreign = function
            if function is not None:
                _lines_on(sys._getframe(1))

    def _reclaim(self, frame: FrameType) -> None:
        """The program calls settrace-like functions from `frame`: is this thread's tracer still in?

        A tool that takes the trace function itself (``PyEval_SetTrace``:
        hunter, coverage.py) and gives it back, or leaves none, calls
        ``sys.settrace`` or ``threading.settrace`` on its way out: when
        CPython's trace function is none, the thread's tracer goes back in
        (its stack is put in line with the frames at its next event).
        The Python tracer also takes back the f_trace of the running frames
        (its line events come through f_trace; a program function there is
        chained, as CPython would call it).
        """
        tracer: Any = self._own_tracer()
        if tracer is None:
            return
        take_frames = getattr(tracer, "take_frames", None)
        if take_frames is None:
            if self._orig_gettrace() is None:
                tracer.start()
            return
        take_frames(frame)

    def gettrace(self) -> TTraceFunc:
        """sys.gettrace while measuring: what the program set."""
        current: Any = self._orig_gettrace()
        tracer = self._ours(current)
        return current if tracer is None else tracer.foreign  # type: ignore[no-any-return]

    def threading_settrace(self, function: TTraceFunc) -> None:
        """threading.settrace while measuring: new threads chain it."""
        self._reclaim(sys._getframe(1))
        if function is not None and function == self._thread_start:
            # Put back by a tool that read threading's hook (hunter).
            function = None
        self.thread_trace = function

    def threading_gettrace(self) -> TTraceFunc:
        """threading.gettrace while measuring."""
        return self.thread_trace

    def settrace_all_threads(self, function: TTraceFunc) -> None:
        """threading.settrace_all_threads (3.12+) while measuring."""
        self._reclaim(sys._getframe(1))
        self.thread_trace = function
        for tracer in list(self._tracers()):
            tracer.foreign = function  # type: ignore[attr-defined]
        if function is not None:
            _lines_on(sys._getframe(1))

    # -- The program's sys.monitoring tools (settrace cores, 3.12+) --
    #
    # Their callbacks may read a frame's f_trace and f_trace_lines (3.14's
    # pdb keeps its state there): while the program has a tool, the tracers
    # switch no frame's line events off, and the Python tracer gives the
    # program's callbacks the frames' f_trace as the program left them
    # (covcore.pytracer, PyTracer.monitoring_enter).

    def _tools_changed(self, frame: FrameType) -> None:
        get_tool = self._orig_get_tool
        wanted = any(get_tool(tool) is not None for tool in range(6))
        if wanted == self.program_tools:
            return
        self.program_tools = wanted
        for tracer in list(self._tracers()):
            tracer.program_tools = wanted  # type: ignore[attr-defined]
        if wanted:
            _lines_on(frame)

    def _monitoring_changed(self, frame: FrameType) -> None:
        if self._around is None:
            # A pure-Python install can't wrap the program's callbacks: the
            # frames' f_trace stay the program's (the Python tracer loses
            # their lines, the program's debugger works).
            return
        tracer: Any = self._own_tracer()
        changed = getattr(tracer, "monitoring_changed", None)
        if changed is not None:
            changed(frame)

    def monitoring_use_tool_id(self, tool_id: int, name: str) -> None:
        """sys.monitoring.use_tool_id while a settrace core measures."""
        self._saved_original("use_tool_id")(tool_id, name)
        self._tools_changed(sys._getframe(1))

    def monitoring_free_tool_id(self, tool_id: int) -> None:
        """sys.monitoring.free_tool_id while a settrace core measures."""
        self._saved_original("free_tool_id")(tool_id)
        self._tools_changed(sys._getframe(1))

    def monitoring_clear_tool_id(self, tool_id: int) -> None:
        """sys.monitoring.clear_tool_id (3.14+) while a settrace core measures."""
        self._saved_original("clear_tool_id")(tool_id)
        self._tools_changed(sys._getframe(1))

    def monitoring_set_events(self, tool_id: int, event_set: int) -> None:
        """sys.monitoring.set_events while a settrace core measures."""
        self._saved_original("set_events")(tool_id, event_set)
        self._monitoring_changed(sys._getframe(1))

    def monitoring_set_local_events(self, tool_id: int, code: CodeType, event_set: int) -> None:
        """sys.monitoring.set_local_events while a settrace core measures."""
        self._saved_original("set_local_events")(tool_id, code, event_set)
        self._monitoring_changed(sys._getframe(1))

    def monitoring_register_callback(self, tool_id: int, event: int, func: TTraceFunc) -> Any:
        """sys.monitoring.register_callback while a settrace core measures.

        Under the Python tracer, the callback is registered inside a
        built-in wrapper (_ctracer.around) that lets the tracer give the
        frames' f_trace to the program for the time of the call; the
        previous callback returned is the program's own.
        """
        register = self._orig_register_callback
        key = (tool_id, event)
        wrapper: Any = func
        if func is not None and self._around is not None and any(
                hasattr(t, "monitoring_enter") for t in list(self._tracers())):
            wrapper = self._around(func, self._callback_enter, self._callback_leave)
        previous = register(tool_id, event, wrapper)
        known = self._callbacks.pop(key, None)
        if wrapper is not func:
            self._callbacks[key] = (wrapper, func)
        if known is not None and previous is known[0]:
            return known[1]
        return previous

    def _callback_enter(self, frame: Optional[FrameType]) -> None:
        tracer: Any = self._own_tracer()
        if tracer is not None:
            tracer.monitoring_enter(frame)

    def _callback_leave(self, frame: Optional[FrameType]) -> None:
        tracer: Any = self._own_tracer()
        if tracer is not None:
            tracer.monitoring_leave(frame)

    def _unwrap_callbacks(self) -> None:
        """Measurement ends: the program's callbacks are registered as they are."""
        callbacks, self._callbacks = self._callbacks, {}
        for (tool_id, event), (wrapper, func) in callbacks.items():
            try:
                if self._orig_get_tool(tool_id) is None:
                    continue
                previous = self._orig_register_callback(tool_id, event, func)
                if previous is not wrapper:
                    self._orig_register_callback(tool_id, event, previous)
            except ValueError:
                pass

    def _saved_original(self, name: str) -> Any:
        return self._orig_monitoring[name]

    # -- setprofile --

    def _is_covcore_code(self, code: CodeType) -> bool:
        filename = code.co_filename
        ours = self._covcore_files.get(filename)
        if ours is None:
            ours = self._covcore_files[filename] = filename.startswith(_COVCORE_DIR)
        return ours

    def _profile_view(self, frame: FrameType, event: str, arg: Any) -> Optional[tuple[FrameType, str, Any]]:
        """The event the program's profiler would get without covcore, or None.

        The program calls covcore's replacements (``sys.setprofile``,
        ``sys.getprofile``, ...) where it called C functions: their frames are
        the program's ``c_call``/``c_return`` of the function they replace,
        given only if the profiler got the call (as CPython does when a call
        installs or removes the profiler).  covcore's other code is hidden.
        """
        code = frame.f_code
        if not self._is_covcore_code(code):
            return frame, event, arg
        original = self._stands_for.get(code)
        caller = frame.f_back
        if original is None or caller is None or self._is_covcore_code(caller.f_code):
            return None
        pending: list[FrameType] = self._pending.__dict__.setdefault("frames", [])
        if event == "call":
            pending.append(frame)
            return caller, "c_call", original
        if event == "return" and pending and pending[-1] is frame:
            pending.pop()
            return caller, "c_return", original
        return None

    def _wrap_profile(self, function: Callable[..., Any]) -> Callable[..., Any]:
        wrapper = self._profile_wrappers.get(id(function))
        if wrapper is not None and getattr(wrapper, "__wrapped__", None) is function:
            return wrapper
        busy = local()
        call_traced = self._call_traced
        view = self._profile_view
        chain = self.chain_settrace
        gettrace = self._orig_gettrace
        ours = self._ours

        def covcore_profile(frame: FrameType, event: str, arg: Any) -> Any:
            # Events from the profiler's own code (now traced) are not its to see.
            if getattr(busy, "on", False):
                return None
            seen = view(frame, event, arg)
            if seen is None:
                return None
            # Nor is that code the program's tracer's to see (CPython runs
            # profile functions untraced): the tracer of ours that chains it
            # holds it back meanwhile.
            tracer: Any = None
            foreign: Any = None
            if chain:
                trace_obj = gettrace()
                if getattr(busy, "trace_obj", None) is not trace_obj:
                    busy.trace_obj, busy.tracer = trace_obj, ours(trace_obj)
                tracer = busy.tracer
                if tracer is not None:
                    foreign = tracer.foreign
                    if foreign is not None:
                        tracer.foreign = None
            busy.on = True
            try:
                return call_traced(function, *seen)
            finally:
                busy.on = False
                if foreign is not None and tracer.foreign is None:
                    tracer.foreign = foreign

        covcore_profile.__wrapped__ = function  # type: ignore[attr-defined]
        self._profile_wrappers[id(function)] = covcore_profile
        return covcore_profile

    def setprofile(self, function: TTraceFunc) -> None:
        """sys.setprofile while measuring: the profiler's code is measured too."""
        self._orig_setprofile(None if function is None else self._wrap_profile(function))
        if function is None:
            # No c_return for this call: CPython gives none once the profiler is gone.
            self._pending.__dict__.pop("frames", None)

    def getprofile(self) -> TTraceFunc:
        """sys.getprofile while measuring: what the program set."""
        current: Any = self._orig_getprofile()
        return getattr(current, "__wrapped__", current)  # type: ignore[no-any-return]

    def setprofile_all_threads(self, function: TTraceFunc) -> None:
        """sys._setprofileallthreads (3.12+, threading.setprofile_all_threads' own) while measuring."""
        wrapped = None if function is None else self._wrap_profile(function)
        self._orig_setprofile_all(wrapped)

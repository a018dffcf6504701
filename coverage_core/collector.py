"""The collector: tracers filling one shared data dict.

For the settrace cores, the collector starts a tracer in the thread that
calls start(), and asks ``threading`` to start one in every thread created
afterwards.  The sys.monitoring core needs one tracer for all threads.  All the
tracers share the measured-data dict and the file-decision cache, so the
data of every thread is merged as it is collected.  covcore.threads
reaches the threads ``threading.settrace`` misses (``_thread`` threads, and
threads already running at start()).
"""

from __future__ import annotations

import _thread
import os
import sys
from types import FrameType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, Optional
    from covcore.types import TDisposition, TShouldTrace, Tracer, TTraceData

from covcore.exceptions import ConfigError, CoreUnavailable
from covcore.tracehooks import TraceHooks



def trouble_hooks_wanted() -> bool:
    """Put the hooks for the things that cause trouble in place (the default)?

    ``COVCORE_TROUBLE_HOOKS=0`` leaves them out: ``_thread`` threads, running
    threads, program trace and profile functions, exec, fork, ``_exit`` and
    SIGTERM are then handled as a plain tracer would (not at all).  It exists
    so that the benchmark harness can show what the hooks cost a program that
    doesn't need them (nothing, per line); users have no reason to set it.
    """
    return os.environ.get("COVCORE_TROUBLE_HOOKS", "1").strip() not in ("0", "off", "no", "false")


def concurrency_id_function(concurrency: list[str]) -> Optional[Callable[[], object]]:
    """What names the running greenlet for `concurrency` (None: threads only).

    Raises ConfigError if the library is not installed.
    """
    name = next((c for c in concurrency if c in ("greenlet", "gevent")), None)
    if name is None:
        return None
    import importlib

    try:
        module = importlib.import_module(name)
    except ImportError:
        raise ConfigError(f"Couldn't trace with concurrency={name}, the module isn't installed.") from None
    # greenlet.getcurrent, or gevent's (the same function).
    getcurrent: Callable[[], object] = module.getcurrent
    return getcurrent


class Collector:
    """Runs tracers of one core in every thread, and hands over their data."""

    def __init__(
        self,
        tracer_class: Callable[[], Tracer],
        should_trace: TShouldTrace,
        branch: bool,
        all_threads: bool = False,
        concurrency_id: Optional[Callable[[], object]] = None,
    ) -> None:
        self.tracer_class = tracer_class
        #: callable() -> the running greenlet (concurrency = greenlet or gevent):
        #: the settrace cores keep a data stack per greenlet.
        self.concurrency_id = concurrency_id
        #: One tracer measures every thread (sys.monitoring), so no per-thread start.
        self.all_threads = all_threads
        self.should_trace = should_trace
        self.branch = branch
        self.data: TTraceData = {}
        self.should_trace_cache: dict[str, TDisposition] = {}
        self.tracers: list[Tracer] = []
        # _thread's lock is threading.Lock; threading itself is imported only
        # by the settrace cores (start-up time).
        self._lock = _thread.allocate_lock()
        self.started = False
        #: The thread that called start(): the others are adopted (covcore.threads).
        self.starter_ident = 0
        # The program's own settrace/setprofile functions keep working beside
        # ours; the sys.monitoring core needs only the profile part.
        #: This thread's tracer, by thread id (settrace cores).
        self._by_thread: dict[int, Tracer] = {}
        self.hooks = TraceHooks(lambda: self.tracers, chain_settrace=not all_threads,
                                own_tracer=self._own_tracer, thread_start=self._thread_start_trace)

    def _own_tracer(self) -> Optional[Tracer]:
        return self._by_thread.get(_thread.get_ident()) if self.started else None

    def _new_tracer(self) -> Tracer:
        tracer = self.tracer_class()
        tracer.data = self.data
        tracer.trace_arcs = self.branch
        tracer.should_trace = self.should_trace
        tracer.should_trace_cache = self.should_trace_cache
        if self.concurrency_id is not None:
            tracer.concurrency_id = self.concurrency_id  # type: ignore[attr-defined]
        if hasattr(tracer, "marks_frames") and trouble_hooks_wanted():
            # The hooks keep sys.settrace(sys.gettrace()) from reaching the
            # tracer through frames' f_trace: leave f_trace to the program.
            tracer.marks_frames = False
        if self.hooks.program_tools:
            tracer.program_tools = True  # type: ignore[attr-defined]
        with self._lock:
            self.tracers.append(tracer)
            if not self.all_threads:
                self._by_thread[_thread.get_ident()] = tracer
        return tracer

    def restart_events(self) -> None:
        """sys.monitoring cores: every line (or arc) reports again, in every frame.

        The core does it if it can (covcore's own switches code it stopped
        measuring back on first), else sys.monitoring.restart_events().
        """
        for tracer in self.tracers:
            restart = getattr(tracer, "restart_events", None)
            if restart is not None:
                restart()
                return
        getattr(sys, "monitoring").restart_events()

    def start_tracer(self) -> Tracer:
        """Start a new tracer in the calling thread (a thread that has none yet)."""
        tracer = self._new_tracer()
        tracer.start()
        return tracer

    def _thread_start_trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        """The trace function of a new thread: replace itself with a tracer."""
        sys.settrace(None)
        if not self.started:
            return None
        running = self.hooks.running_tracer()
        if running is not None:
            # A "thread" that is a greenlet in a thread measured already
            # (gevent's monkey-patched threading): its tracer goes on, and
            # follows the greenlets with concurrency = gevent.  This function
            # was called as the program's tracer there (see TraceHooks.settrace).
            running.foreign = self.hooks.thread_trace
            return None
        tracer = self._new_tracer()
        tracer.start()
        if self.hooks.thread_trace is not None:
            tracer.foreign = self.hooks.thread_trace  # type: ignore[attr-defined]
        # This event is the call of the thread's first frame: the tracer
        # handles it, and becomes the frame's local trace function.
        return tracer(frame, event, arg)  # type: ignore[operator]

    #: The collectors measuring in this process, the running one last: a
    #: Coverage started inside another one's measurement pauses it, and it
    #: resumes when the inner one stops (coverage.py's rule for nested ones).
    _nested: list[Collector] = []

    def start(self) -> None:
        """Start measuring this thread and the threads started from now on.

        A collector already measuring is paused until this one stops.
        """
        nested = Collector._nested
        paused = nested[-1] if nested and nested[-1] is not self and nested[-1].started else None
        if paused is not None:
            paused._stop_measuring()
        try:
            self._start_measuring(resume=False)
        except BaseException:
            if paused is not None:
                paused._start_measuring(resume=True)
            raise
        if self in nested:
            nested.remove(self)
        nested.append(self)

    def stop(self) -> None:
        """Stop measuring, in every thread; the collector this one paused resumes."""
        nested = Collector._nested
        was_running = bool(nested) and nested[-1] is self
        if self in nested:
            nested.remove(self)
        self._stop_measuring()
        if was_running and nested:
            nested[-1]._start_measuring(resume=True)

    def _start_measuring(self, resume: bool) -> None:
        self.started = True
        hooks = trouble_hooks_wanted()
        if not self.all_threads:
            import threading

            from covcore import threads  # the settrace cores' only

            self.starter_ident = threading.get_ident()
            if hooks:
                threads.install(self)
            threading.settrace(self._thread_start_trace)
        tracer = self._new_tracer()
        try:
            tracer.start()
            if resume and not self.all_threads:
                # The frames running now were measured before the pause:
                # their lines go on being measured, from the line they are on.
                tracer.resync(sys._getframe(2))  # type: ignore[attr-defined]
        except RuntimeError as exc:
            # sys.monitoring refused (no free tool id): one clear error.
            self._stop_measuring()
            raise CoreUnavailable(f"The sysmon core can't start: {exc}") from None
        if hooks:
            self.hooks.install()

    def _stop_measuring(self) -> None:
        self.started = False
        if self.hooks._saved:
            self.hooks.uninstall()
        if not self.all_threads:
            import threading

            # New threads get the program's own threading.settrace function, if any.
            threading.settrace(self.hooks.thread_trace)  # type: ignore[arg-type,unused-ignore]
            from covcore import threads

            threads.uninstall(self)
        with self._lock:
            tracers, self.tracers = self.tracers, []
            self._by_thread.clear()
        for tracer in tracers:
            tracer.stop()
            if getattr(tracer, "lost_tool", False):
                from covcore.control import warn

                warn(
                    "the program freed the sys.monitoring tool id the sysmon core was using; "
                    "measurement stopped there (what ran before is saved; see docs/trouble.md)",
                    once_key="sysmon-tool-lost", slug="trace-changed",
                )
        self.hooks.restore_program_tracer()

    def stats(self) -> list[Optional[dict[str, int]]]:
        """The counters of every running tracer."""
        return [tracer.get_stats() for tracer in self.tracers]

    def flush(self) -> dict[str, set[Any]]:
        """The data collected since the last flush, as plain sets; the tracers keep going."""
        out: dict[str, set[Any]] = {}
        for filename, file_data in list(self.data.items()):
            out[filename] = set(file_data)
            clear = getattr(file_data, "clear", None)
            if clear is not None:
                clear()
        return out

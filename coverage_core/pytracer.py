"""PyTracer: the pure-Python settrace core.

It records exactly what the C core (ctracer/tracer.c) records, with the same
conventions: a real call enters a code object with the arc
``(-co_firstlineno, line)``, a real return leaves it with
``(line, -co_firstlineno)``, and a generator or coroutine that is resumed
continues from the line where it was suspended.  It is used with ``--timid``
and wherever the C extension is missing.
"""

from __future__ import annotations

import dis
import sys
from types import CodeType, FrameType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, Optional
    from covcore.filetracers import PluginFrame
    from covcore.types import TArc, TDisposition, TLineNo, TShouldTrace, TTraceData, TTraceFn

    #: What the tracer keeps per frame: its file data, its last line, the
    #: frame, and what records it for a file-tracer plug-in (see
    #: covcore.filetracers).
    TEntry = tuple[Optional[set[Any]], TLineNo, Optional[FrameType], Optional[PluginFrame]]


# The interpreter's own functions: while measuring, sys.settrace and
# sys.gettrace are replaced (covcore.tracehooks), and the tracer must not go
# through the replacements to install or remove itself.
_settrace = sys.settrace
_gettrace = sys.gettrace
_setprofile = sys.setprofile
_getprofile = sys.getprofile

_RESUMABLE = 0x20 | 0x80 | 0x200 | 0x100   # generator, coroutine, async generator, iterable coroutine
_RESUME = dis.opmap.get("RESUME")
_YIELD_VALUE = dis.opmap["YIELD_VALUE"]
_YIELD_FROM = dis.opmap.get("YIELD_FROM")
# Where f_lasti points while a generator is suspended: at the RESUME on 3.13,
# at the YIELD_VALUE before it on 3.11 and 3.12.
_LASTI_AT_RESUME = sys.version_info[:2] == (3, 13)
# 3.14 runs code after a loop on the line its body ended on without a line
# event: the return event is the first to see that line (ctracer/util.h,
# COVCORE_RETURN_LINE_UNREPORTED).
_RETURN_LINE_UNREPORTED = sys.version_info >= (3, 14)


def _is_real_call(frame: FrameType, code: CodeType) -> bool:
    """Is this call event a fresh call, rather than a resumed generator?"""
    if not code.co_flags & _RESUMABLE:
        return True
    if _RESUME is None:
        return frame.f_lasti < 0
    bytecode = code.co_code
    lasti = frame.f_lasti
    if 0 <= lasti < len(bytecode) - 1:
        # Only RESUME 0 starts the code: another argument means a yield or an
        # await continues, and a frame resumed by throw() is not at a RESUME.
        return bytecode[lasti] == _RESUME and bytecode[lasti + 1] == 0
    return True


def _is_real_return(frame: FrameType, code: CodeType) -> bool:
    """Is this return event a real return, rather than a yield or an await?"""
    if not code.co_flags & _RESUMABLE:
        return True
    bytecode = code.co_code
    lasti = frame.f_lasti
    if lasti < 0:
        return True
    if _RESUME is not None:
        at = lasti if _LASTI_AT_RESUME else lasti + 2
        return not (at < len(bytecode) and bytecode[at] == _RESUME)
    if lasti < len(bytecode) and bytecode[lasti] == _YIELD_VALUE:
        return False
    return not (lasti + 2 < len(bytecode) and bytecode[lasti + 2] == _YIELD_FROM)


class PyTracer:
    """The settrace core in Python (implements covcore.types.Tracer)."""

    #: Line events reach this tracer only through each frame's f_trace, so a
    #: program that replaces a frame's f_trace takes them (covcore.tracehooks warns).
    events_through_frame_trace = True

    def __init__(self) -> None:
        self.data: TTraceData = {}
        self.trace_arcs = False
        self.should_trace: TShouldTrace = lambda filename, frame: None
        self.should_trace_cache: dict[str, TDisposition] = {}
        self._started = False
        self._stopped = False
        self._in_foreign = False
        self._foreign_frame: Optional[FrameType] = None
        self._activity = False
        # One (file data, last line, frame, plug-in recorder) per frame seen
        # starting, but for the innermost one, whose are in the fields below;
        # frames that were running before start() have none, and their
        # events are ignored.
        self._stack: list[TEntry] = []
        self._cur_data: Optional[set[Any]] = None
        #: The running frame's recorder when a plug-in claimed its file.
        self._cur_plugin: Optional[PluginFrame] = None
        self._last_line: TLineNo = 0
        self._cur_frame: Optional[FrameType] = None
        self._trace_fn: TTraceFn = self._trace
        #: The program's own trace function (see covcore.tracehooks), or None,
        #: and the local trace functions it gave the frames it traces.
        self.foreign: Optional[TTraceFn] = None
        self._foreign_locals: dict[FrameType, TTraceFn] = {}
        #: Has a program tracer had frames of its own (f_trace to look after)?
        self._foreign_seen = False
        #: The program has a sys.monitoring tool (set by covcore.tracehooks):
        #: no frame's line events are switched off, its debugger may read
        #: f_trace_lines.
        self.program_tools = False
        #: The frame that returned last and the program's f_trace for it (see _forget_frame).
        self._returning: Optional[tuple[FrameType, Optional[TTraceFn]]] = None
        #: The event frames of the program's sys.monitoring callbacks running
        #: now, innermost last (see monitoring_enter).
        self._callback_frames: list[Optional[FrameType]] = []
        #: Set before start(): callable() -> the running greenlet, so that
        #: each greenlet has a data stack of its own (see _trace_contexts).
        self.concurrency_id: Optional[Callable[[], object]] = None
        # The saved (stack, file data, last line) of the greenlets that are
        # not running, by id(); the running one's is in the fields above.
        self._contexts: dict[int, tuple[list[TEntry], Optional[set[Any]], TLineNo, Optional[FrameType],
                                        Optional[PluginFrame]]] = {}
        self._context: Optional[int] = None

    def __repr__(self) -> str:
        return f"<PyTracer of {len(self.data)} files>"

    def _decide(self, frame: FrameType, filename: str) -> TDisposition:
        """should_trace's answer for a file not decided yet, kept in the cache."""
        try:
            disposition = self.should_trace(filename, frame)
        except Exception:   # noqa: BLE001 - the measured program must not break
            sys.unraisablehook(_unraisable(sys.exc_info()[1], self.should_trace))
            disposition = None
        self.should_trace_cache[filename] = disposition
        return disposition

    def _file_data(self, frame: FrameType, code: CodeType) -> Optional[set[Any]]:
        """A frame starts (or resumes): its file data, None when not measured.

        A file a plug-in claimed (covcore.filetracers) has no file data:
        its disposition's recorder for this frame goes to _cur_plugin, and
        None goes there for a frame not measured.  A measured frame leaves
        _cur_plugin as it was (its caller's): nothing reads it while the
        frame has file data.  A plug-in's disposition is never a key of the
        data, so the test for one is made only where no file data is found
        (a file's first frame): with no plug-in configured, a measured call
        pays nothing for plug-ins but a longer stack entry
        (benchmarks/filetracer_cost.py).
        """
        try:
            disposition = self.should_trace_cache[code.co_filename]
        except KeyError:
            disposition = self._decide(frame, code.co_filename)
        if disposition is None:
            self._cur_plugin = None
            return None
        data = self.data.get(disposition)   # type: ignore[arg-type]  # a plug-in's disposition: never a key
        if data is None:
            if not isinstance(disposition, str):
                self._cur_plugin = disposition.start_frame(frame, _is_real_call(frame, code))
                return None
            data = self.data[disposition] = set()
        assert isinstance(data, set)
        return data

    def _enter(self, frame: FrameType, code: CodeType, real: bool) -> tuple[Optional[set[Any]], Optional[PluginFrame]]:
        """A frame found running (_resync): its file data, or the recorder of
        the plug-in that claimed its file (neither: not measured)."""
        filename = code.co_filename
        if filename in self.should_trace_cache:
            disposition = self.should_trace_cache[filename]
        else:
            disposition = self._decide(frame, filename)
        if isinstance(disposition, str):
            found = self.data.get(disposition)
            if found is None:
                found = self.data[disposition] = set()
            assert isinstance(found, set)
            return found, None
        if disposition is not None:
            return None, disposition.start_frame(frame, real)
        return None, None

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Optional[TTraceFn]:
        """The trace function given to sys.settrace."""
        if not self._started:
            if self._in_foreign:
                if frame is self._foreign_frame:
                    # The program's tracer calls the trace function it read
                    # in frame.f_trace (this one) from inside its own, to
                    # chain to it (the DecoratorTools technique): this event
                    # was recorded already, and going on would hand it back
                    # to the program's tracer, without end.  (_started is off
                    # meanwhile so that this costs the per-line path nothing.)
                    return self._trace_fn
                # sys.call_tracing() from inside the program's tracer (pdb's
                # "debug" command): code that CPython traces.
                self._started = True
                try:
                    return self._trace(frame, event, arg)
                finally:
                    self._started = False
            # stop() was called from another thread: stop here too (if this
            # tracer is still the thread's: a Coverage started inside ours
            # may have its own).
            if _gettrace() == self._trace_fn:
                _settrace(None)
            return None
        self._activity = True
        if event == "line":
            fresh = frame is not self._cur_frame and self._resync(frame)
            data = self._cur_data
            if data is not None:
                line = frame.f_lineno
                if not self.trace_arcs:
                    data.add(line)
                elif not fresh:
                    data.add((self._last_line, line))
                self._last_line = line
            elif self._cur_plugin is not None:
                self._cur_plugin.line(frame)
        elif event == "call":
            self._stack.append((self._cur_data, self._last_line, self._cur_frame, self._cur_plugin))
            self._cur_frame = frame
            code = frame.f_code
            data = self._cur_data = self._file_data(frame, code)
            if data is None:
                if self.foreign is None and not self.program_tools and self._cur_plugin is None:
                    frame.f_trace_lines = False
                elif not _is_real_call(frame, code):
                    # Resumed: f_trace_lines is what an earlier resumption left.
                    frame.f_trace_lines = True
            elif _is_real_call(frame, code):
                self._last_line = -code.co_firstlineno
            else:
                frame.f_trace_lines = True
                self._last_line = frame.f_lineno
        elif event == "return":
            if frame is not self._cur_frame and self._cur_frame is not None:
                self._resync(frame)
            if self._stack:
                if self.trace_arcs:
                    if self._cur_data is not None:
                        code = frame.f_code
                        if _is_real_return(frame, code):
                            line = frame.f_lineno
                            if _RETURN_LINE_UNREPORTED and line is not None and line != self._last_line:
                                self._cur_data.add((self._last_line, line))
                                self._last_line = line
                            arc: TArc = (self._last_line, -code.co_firstlineno)
                            self._cur_data.add(arc)
                    elif self._cur_plugin is not None:
                        # A plug-in's recorder records the exit arc (nothing in line mode).
                        self._cur_plugin.leave(frame, _is_real_return(frame, frame.f_code))
                self._cur_data, self._last_line, self._cur_frame, self._cur_plugin = self._stack.pop()
                if self._foreign_seen:
                    # A debugger may have deleted the caller's f_trace (pdb's
                    # "continue"): its line events come through f_trace only.
                    back = frame.f_back
                    if back is not None and back is self._cur_frame and back.f_trace is None:
                        back.f_trace = self._trace_fn
            else:
                self._cur_data = self._cur_plugin = None
                self._cur_frame = None
        if self.foreign is not None:
            self._dispatch_foreign(frame, event, arg)
            if event == "line" and frame is self._cur_frame and self._cur_data is not None:
                # A debugger may have set f_lineno (pdb's "jump"): that line
                # runs with no line event of its own.
                line = frame.f_lineno
                if line != self._last_line:
                    self._cur_data.add((self._last_line, line) if self.trace_arcs else line)
                    self._last_line = line
        elif event == "return":
            # (_forget_frame, inline: every return comes here.)
            local = self._foreign_locals.pop(frame, None)
            if local is not None and self.program_tools:
                self._returning = (frame, local)
        return self._trace_fn

    def _forget_frame(self, frame: FrameType) -> None:
        """The frame returns: the program's f_trace for it is forgotten.

        The program's sys.monitoring callbacks of this event come after this
        tracer's (CPython calls its settrace machinery first): with a tool
        running, the returning frame's is kept for them (monitoring_enter)
        until another frame's callback, or the next return that has one.
        """
        local = self._foreign_locals.pop(frame, None)
        if local is not None and self.program_tools:
            self._returning = (frame, local)

    def _resync(self, frame: FrameType) -> bool:
        """Make the stack match the frames that run, `frame` innermost.

        The events of some frames were not seen: a tool took the trace
        function (hunter, coverage.py) and gave it back, or CPython removed
        it after the program's tracer raised.  The entries of frames still
        running are kept, the newer frames get entries from the line they
        are on.  Returns True if `frame` had no entry.
        """
        chain: list[FrameType] = []
        f: Optional[FrameType] = frame
        while f is not None:
            chain.append(f)
            f = f.f_back
        entries = self._stack + [(self._cur_data, self._last_line, self._cur_frame, self._cur_plugin)]
        keep, pos = -1, len(chain)
        for i in range(len(entries) - 1, -1, -1):
            entry_frame = entries[i][2]
            if entry_frame is not None and any(entry_frame is c for c in chain):
                keep = i
                pos = next(p for p, c in enumerate(chain) if c is entry_frame)
                break
        entries = entries[:keep + 1]
        for p in range(pos - 1, -1, -1):
            newer = chain[p]
            data, plugin = self._enter(newer, newer.f_code, False)
            entries.append((data, newer.f_lineno, newer, plugin))
        if not entries:
            entries.append((None, 0, None, None))
        self._cur_data, self._last_line, self._cur_frame, self._cur_plugin = entries.pop()
        self._stack = entries
        return pos > 0

    def _own_frame_traces(self, frames: list[Optional[FrameType]]) -> None:
        """Put this tracer back in the f_trace of `frames` (the program's function is chained).

        Line events reach the Python tracer only through f_trace; a program
        that put its own function there (a debugger, PySnooper, the
        DecoratorTools technique) has it called from ours instead, as
        CPython would have called it.  (Line events the frame had meanwhile
        went to the program's function alone: none, when the program sets
        f_trace just before sys.settrace, as these tools do.)
        """
        for frame in frames:
            if frame is not None:
                self._take_frame_trace(frame)

    def _is_ours(self, trace: object) -> bool:
        return trace == self._trace_fn or getattr(trace, "__self__", None) is self

    def _take_frame_trace(self, frame: FrameType) -> None:
        """Put this tracer in the frame's f_trace; what the program had there is its own."""
        trace = frame.f_trace
        if trace is None:
            # (The program deleted what it had put there, if anything.)
            self._foreign_locals.pop(frame, None)
        elif self._is_ours(trace):
            return
        else:
            self._foreign_locals[frame] = trace
            self._foreign_seen = True
        frame.f_trace = self._trace_fn

    def resync(self, frame: FrameType) -> None:
        """Measure the frames running from `frame` outwards, from the line each is on."""
        if frame is not self._cur_frame:
            self._resync(frame)
        self._own_frame_traces([self._cur_frame] + [entry[2] for entry in reversed(self._stack)])

    def take_frames(self, frame: FrameType) -> None:
        """The program called sys.settrace (or the like) from `frame`: take its stack's f_trace back.

        Called by covcore.tracehooks.  If a tool had taken the trace
        function and left (CPython's trace function is none), this tracer
        is installed again, its stack brought in line with the frames
        running.
        """
        if not self._started:
            return
        current = _gettrace()
        if current is not None and current != self._trace_fn:
            return      # another tool holds the trace function
        self.resync(frame)
        if current is None:
            _settrace(self._trace_fn)

    # -- The program's sys.monitoring tool (3.12+; 3.14's pdb) --
    #
    # A debugger built on sys.monitoring (3.14's pdb, and `python -m pdb`)
    # keeps its own function in frames' f_trace, and its callbacks call it
    # from there; CPython calls f_trace only for a settrace function, and
    # this tracer's line events come only through f_trace.  So the frames'
    # f_trace is this tracer's while the program runs, and the program's
    # own, as it left it, while its callbacks run: covcore.tracehooks
    # registers each callback wrapped (_ctracer.around) between
    # monitoring_enter and monitoring_leave.  The program's debugger then
    # sees exactly its own f_trace (and deletes it at "continue"), and
    # CPython never calls the debugger's function itself: only its
    # callbacks do, as without covcore.

    def monitoring_enter(self, frame: Optional[FrameType]) -> None:
        """One of the program's sys.monitoring callbacks starts: its frames' f_trace are the program's."""
        self._callback_frames.append(frame)
        locals_ = self._foreign_locals
        returning = self._returning
        while frame is not None:
            if self._is_ours(frame.f_trace):
                if returning is not None and returning[0] is frame:
                    frame.f_trace = returning[1]
                else:
                    frame.f_trace = locals_.get(frame)
            frame = frame.f_back

    def monitoring_leave(self, frame: Optional[FrameType]) -> None:
        """The callback ended: this tracer takes the frames' f_trace back."""
        if self._callback_frames:
            self._callback_frames.pop()
        self.monitoring_changed(frame)

    def monitoring_changed(self, frame: Optional[FrameType]) -> None:
        """The program set its sys.monitoring events from `frame` (or a callback ended):
        take back the f_trace it put in the running frames (3.14's pdb sets
        them before it starts its tool).

        Inside another callback (pdb's "debug" command runs code traced
        from inside one, with sys.call_tracing), only the frames of that
        traced code are taken, up to the callback's event frame: the others
        are the program's while its callback runs.
        """
        if not self._started:
            return
        stop: Optional[FrameType] = None
        traced: Optional[set[int]] = None
        if self._callback_frames:
            stop = self._callback_frames[-1]
            traced = {id(entry[2]) for entry in self._stack}
            traced.add(id(self._cur_frame))
        returning = self._returning
        if returning is not None:
            if returning[0] is frame and frame is not stop:
                # Its return event's callbacks may not be over.
                assert frame is not None
                trace = frame.f_trace
                self._returning = (frame, None if self._is_ours(trace) else trace)
                frame.f_trace = self._trace_fn
                frame = frame.f_back
            else:
                self._returning = None
        while frame is not None and frame is not stop:
            if traced is None or id(frame) in traced:
                self._take_frame_trace(frame)
            frame = frame.f_back

    def _resurrect(self, profile: Any) -> Callable[..., Any]:
        """A profile function that puts this tracer back at the next profile event.

        CPython removes a Python trace function that raises, and the
        program's tracer raised through ours.  Until the next call or
        return, nothing can bring it back; the profile function sees that
        event, reinstalls the tracer, gives the event to the program's own
        profile function if it had one, and leaves.
        """
        def covcore_resurrect(frame: FrameType, event: str, arg: Any) -> Any:
            _setprofile(profile)
            if self._started:
                _settrace(self._trace_fn)
                self._resync(frame)
                self._own_frame_traces([self._cur_frame] + [entry[2] for entry in reversed(self._stack)])
            if profile is not None:
                return profile(frame, event, arg)
            return None

        # sys.getprofile() (covcore.tracehooks) reads what the program set.
        covcore_resurrect.__wrapped__ = getattr(profile, "__wrapped__", profile)  # type: ignore[attr-defined]
        return covcore_resurrect

    def _trace_contexts(self, frame: FrameType, event: str, arg: Any) -> Optional[TTraceFn]:
        """The trace function with concurrency_id: the running greenlet's stack, then the event.

        greenlet.switch() returns in another greenlet's frame with no event
        to say so, so every event asks which greenlet runs.  Greenlets are
        known by id(), without a reference (which would keep a greenlet the
        program dropped from being ended); a greenlet whose stack becomes
        empty is forgotten, so a dead one's id leaves nothing behind.
        """
        if self._started:
            assert self.concurrency_id is not None
            context = id(self.concurrency_id())
            if context != self._context:
                if self._context is not None:
                    self._contexts[self._context] = (self._stack, self._cur_data, self._last_line, self._cur_frame,
                                                     self._cur_plugin)
                self._stack, self._cur_data, self._last_line, self._cur_frame, self._cur_plugin = self._contexts.pop(
                    context, ([], None, 0, None, None))
                self._context = context
        result = self._trace(frame, event, arg)
        if event == "return" and not self._stack:
            self._context = None
        return result

    def _dispatch_foreign(self, frame: FrameType, event: str, arg: Any) -> None:
        """Give the event to the program's tracer, with CPython's semantics."""
        if event == "call":
            fn: Optional[TTraceFn] = self.foreign
        else:
            fn = self._foreign_locals.get(frame)
        if fn is not None:
            # At a return, the caller's f_trace is the program's to read
            # (pdb's "step" puts its function there if there is none).
            back = frame.f_back if event == "return" else None
            if back is not None and self._is_ours(back.f_trace):
                back.f_trace = self._foreign_locals.get(back)
            else:
                back = None
            was_in_foreign, was_frame = self._in_foreign, self._foreign_frame
            self._in_foreign = True
            self._foreign_frame = frame
            self._started = False
            try:
                result = fn(frame, event, arg)
            except BaseException:
                # As CPython does: the program's tracing ends, the exception
                # goes on into the program.  It leaves through this trace
                # function, which CPython then removes: the next profile
                # event puts it back (_resurrect).
                self.foreign = None
                self._foreign_locals.clear()
                if not self._stopped:
                    _setprofile(self._resurrect(_getprofile()))
                raise
            finally:
                self._in_foreign, self._foreign_frame = was_in_foreign, was_frame
                self._started = not self._stopped and not was_in_foreign
                if back is not None:
                    self._take_frame_trace(back)
            if result is not None:
                if getattr(result, "__self__", None) is not self:
                    self._foreign_locals[frame] = result
                    self._foreign_seen = True
                else:
                    # It handed the frame back to what it read in f_trace
                    # (this tracer): without covcore, that was nothing.
                    self._foreign_locals.pop(frame, None)
        if event == "return":
            self._forget_frame(frame)

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Optional[TTraceFn]:
        return self._trace_fn(frame, event, arg)

    def start(self) -> TTraceFn:
        """Start tracing the current thread."""
        self._trace_fn = self._trace if self.concurrency_id is None else self._trace_contexts
        self._started = True
        self._stopped = False
        _settrace(self._trace_fn)
        return self._trace_fn

    def stop(self) -> None:
        """Stop tracing; other threads stop at their next event."""
        self._started = False
        self._stopped = True
        if _gettrace() == self._trace_fn:
            _settrace(None)
        self._stack = []
        self._cur_data = self._cur_plugin = None
        self._cur_frame = None
        self._foreign_locals.clear()
        self._returning = None
        self._callback_frames.clear()
        self._contexts.clear()
        self._context = None

    def activity(self) -> bool:
        """Has the tracer seen any events since the last reset_activity()?"""
        return self._activity

    def reset_activity(self) -> None:
        """Forget the activity flag."""
        self._activity = False

    def get_stats(self) -> dict[str, int] | None:
        """PyTracer keeps no counters."""
        return None


def _unraisable(exc: BaseException | None, obj: object) -> Any:
    """An UnraisableHookArgs-like record for sys.unraisablehook."""

    class _Args:
        exc_type = type(exc)
        exc_value = exc
        exc_traceback = exc.__traceback__ if exc is not None else None
        err_msg = "Exception ignored in covcore's file decision"
        object = obj

    return _Args()

"""File-tracer plug-ins while measuring: coverage.py's FileTracer behind every core.

A coverage.py plug-in registered with ``add_file_tracer`` may claim a file
the program runs (``file_tracer(filename)`` returns a FileTracer): its
frames then record lines of another file, the *source file* (a Django
template, a ``.pyx`` module), which the tracer names once
(``source_filename()``) or per call (``dynamic_source_filename(filename,
frame)`` when ``has_dynamic_source_filename()``), and whose lines it tells
at each line event (``line_number_range(frame)`` -> ``(first, last)``,
``first == -1``: none).

The file decision (covcore.files.FileSelector.should_trace) asks the
plug-ins first, as coverage.py does, and for a claimed file returns a
:class:`PluginDisposition` rather than a file name.  The cores recognise it
(neither None nor a string) and take those frames on a slow path that calls
back into Python, here:

- the settrace cores (``ctrace``, ``pytrace``) call
  ``disposition.start_frame(frame, real_call)`` at each call event of such a
  frame, then the :class:`PluginFrame` it returns: ``line(frame)`` at each
  line event and ``leave(frame, real_return)`` at the return event (pytrace
  calls it in branch mode only: it records nothing else);
- the sys.monitoring core hands the code object to :class:`PluginMonitor`
  (``disposition.adopt_code(code, frame)``), a sys.monitoring tool of its
  own that does the same from local events on that code only.

Lines are recorded as coverage.py's C tracer records them: each line of the
range (arcs: ``(last, line)`` for each, then ``last = line``), the exit arc
``(last, -co_firstlineno)`` of the Python code at a real return.  Data goes
into the collector's shared dict as plain sets (the collector flushes sets
and LineSets alike), and :attr:`PluginTracing.file_tracers` says which
plug-in measured each source file, for the data file and the reports.

A plug-in whose file tracer raises (or returns something that is not a
line range) is disabled with one warning, as coverage.py does; the measured
program never sees the exception, and what the plug-in recorded before is
kept.  Nothing here is imported unless a file-tracer plug-in is configured.
"""

from __future__ import annotations

import os
import sys
from types import CodeType, FrameType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, Iterator, Optional

    from covcore.files import FileSelector
    from covcore.plugins import LoadedPlugin
    from covcore.types import TTraceData

from covcore.files import canonical_filename
from covcore.plugins import FILE_TRACER, Registry, describe_exception

#: sys.monitoring tool ids tried for PluginMonitor (0 is debuggers', 1 coverage.py's).
_TOOL_IDS = (2, 5, 4, 3)
_TOOL_NAME = "covcore plug-in file tracers"


class PluginTracing:
    """The file-tracer plug-ins of one measurement, and what they measured."""

    def __init__(self, registry: Registry, warn: Callable[..., None]) -> None:
        self.plugins: list[LoadedPlugin] = registry.of_kind(FILE_TRACER)
        self.warn = warn
        #: Set by the controller before measuring: the shared data dict, the
        #: kind of data, and the selector whose rules source files pass.
        self.data: TTraceData = {}
        self.trace_arcs = False
        self.selector: Optional[FileSelector] = None
        #: Source file -> the name of the plug-in that measured it.
        self.file_tracers: dict[str, str] = {}
        #: The plug-ins disabled after an exception, by name.
        self.disabled: set[str] = set()
        #: Dynamic source file name -> its canonical name if measured, else None.
        self._included: dict[str, Optional[str]] = {}
        self.monitor: Optional[PluginMonitor] = None

    def claim(self, path: str, frame: Optional[FrameType]) -> tuple[bool, Optional[PluginDisposition]]:
        """Does a plug-in claim the file `path` (canonical)?  ``(claimed, disposition)``:
        a claimed file whose source file the rules leave out has no disposition."""
        for loaded in self.plugins:
            if not loaded.enabled:
                continue
            try:
                tracer = loaded.plugin.file_tracer(path)
                if tracer is None:
                    continue
                _set_attr(tracer, "_coverage_plugin", loaded.plugin)
                if tracer.has_dynamic_source_filename():
                    return True, PluginDisposition(self, loaded, tracer, path, None)
                source = tracer.source_filename()
                if not source:
                    raise ValueError(f"its file tracer for {path!r} gave no source_filename")
                included = self.included(str(source), frame)
                return True, None if included is None else PluginDisposition(self, loaded, tracer, path, included)
            except Exception as exc:
                self.disable(loaded, "file_tracer", exc)
                continue
        return False, None

    def included(self, source: str, frame: Optional[FrameType]) -> Optional[str]:
        """The canonical name of source file `source` if the rules (source,
        include, omit) measure it, else None."""
        try:
            return self._included[source]
        except KeyError:
            pass
        path = canonical_filename(source)
        result = self.selector.select(path, frame) if self.selector is not None else path
        self._included[source] = result
        return result

    def file_data(self, source: str, loaded: LoadedPlugin) -> set[Any]:
        """The set the lines of `source` go into (made on first use)."""
        data = self.data.get(source)
        if data is None:
            data = self.data[source] = set()
            self.file_tracers[source] = loaded.name
        assert isinstance(data, set)
        return data

    def disable(self, loaded: LoadedPlugin, method: str, exc: BaseException) -> None:
        """Stop using a plug-in whose `method` raised `exc`: one warning."""
        if not loaded.enabled:
            return
        loaded.enabled = False
        self.disabled.add(loaded.name)
        _set_attr(loaded.plugin, "_coverage_enabled", False)
        self.warn(
            f"Disabling plug-in {loaded.name!r} due to an exception in {method}: {describe_exception(exc)}",
            once_key=f"plugin-disabled:{loaded.name}", slug="plugin-disabled",
        )

    def stop(self) -> None:
        """Measuring stops: the sys.monitoring tool, if any, is given up."""
        if self.monitor is not None:
            self.monitor.stop()
            self.monitor = None


def _set_attr(obj: object, name: str, value: object) -> None:
    try:
        setattr(obj, name, value)
    except AttributeError:
        pass


class PluginDisposition:
    """should_trace's answer for a file a plug-in claimed (see the module docstring)."""

    __slots__ = ("tracing", "loaded", "tracer", "filename", "source", "dynamic", "line_range")

    def __init__(
        self, tracing: PluginTracing, loaded: LoadedPlugin, tracer: Any, filename: str, source: Optional[str],
    ) -> None:
        self.tracing = tracing
        self.loaded = loaded
        self.tracer = tracer
        #: The claimed (Python) file, canonical.
        self.filename = filename
        #: The source file, canonical; None when the tracer names it per call.
        self.source = source
        # The tracer's methods, looked up once: they run at every call and line.
        self.dynamic: Callable[[str, FrameType], Any] = tracer.dynamic_source_filename
        self.line_range: Callable[[FrameType], Any] = tracer.line_number_range

    def __repr__(self) -> str:
        return f"<PluginDisposition {self.filename!r} by {self.loaded.name}>"

    def start_frame(self, frame: FrameType, real_call: bool) -> Optional[PluginFrame]:
        """A frame of the claimed file starts (or resumes): what records its
        lines, or None when it records nothing."""
        if not self.loaded.enabled:
            return None
        source = self.source
        if source is None:
            try:
                name = self.dynamic(self.filename, frame)
            except Exception as exc:
                self.tracing.disable(self.loaded, "dynamic_source_filename", exc)
                return None
            if name is None:
                return None
            source = self.tracing.included(str(name), frame)
            if source is None:
                return None
        last = -frame.f_code.co_firstlineno if real_call else frame.f_lineno
        return PluginFrame(self, self.tracing.file_data(source, self.loaded), last)

    def adopt_code(self, code: CodeType, frame: Optional[FrameType]) -> None:
        """The sys.monitoring core met `code` of the claimed file (`frame`, when
        it is the code's, is starting): PluginMonitor measures it from now on."""
        tracing = self.tracing
        if tracing.monitor is None:
            tracing.monitor = PluginMonitor()
        tracing.monitor.adopt(code, self, frame if frame is not None and frame.f_code is code else None)


class PluginFrame:
    """Records the lines of one running frame of a claimed file."""

    __slots__ = ("disposition", "loaded", "line_range", "arcs", "data", "last_line")

    def __init__(self, disposition: PluginDisposition, data: set[Any], last_line: int) -> None:
        self.disposition = disposition
        self.loaded = disposition.loaded
        self.line_range = disposition.line_range
        self.arcs = disposition.tracing.trace_arcs
        self.data = data
        self.last_line = last_line

    def line(self, frame: FrameType) -> None:
        """A line event: record the lines the tracer names."""
        if not self.loaded.enabled:
            return
        try:
            value = self.line_range(frame)
            if type(value) is not tuple or len(value) != 2:
                raise TypeError(f"line_number_range must return a 2-tuple, not {value!r}")
            first, last = value
            first, last = first.__index__(), last.__index__()
        except Exception as exc:
            self.disposition.tracing.disable(self.loaded, "line_number_range", exc)
            return
        if first == -1:
            return
        if self.arcs:
            for line in range(first, last + 1):
                self.data.add((self.last_line, line))
                self.last_line = line
        elif first == last:
            self.data.add(first)
            self.last_line = first
        elif last > first:
            self.data.update(range(first, last + 1))
            self.last_line = last

    def leave(self, frame: FrameType, real_return: bool) -> None:
        """The frame returns (or yields): a real return records the exit arc."""
        if real_return and self.arcs:
            self.data.add((self.last_line, -frame.f_code.co_firstlineno))


class PluginMonitor:
    """The sys.monitoring core's slow path: a tool of its own (3.12+) that
    measures the code objects of claimed files, from local events on that
    code alone (plus ``PY_UNWIND``, which sys.monitoring only has globally).

    The running frames are kept by frame object, from their start (or
    resumption, or first line) to their return, yield or unwind.
    """

    def __init__(self) -> None:
        self.mon: Any = getattr(sys, "monitoring")
        #: id(code) -> (code, its disposition): the adopted code objects.
        self.codes: dict[int, tuple[CodeType, PluginDisposition]] = {}
        self.frames: dict[FrameType, Optional[PluginFrame]] = {}
        self.tool: Optional[int] = None
        mon = self.mon
        for tool in _TOOL_IDS:
            if mon.get_tool(tool) is None:
                mon.use_tool_id(tool, _TOOL_NAME)
                self.tool = tool
                break
        if self.tool is None:
            return
        ev = mon.events
        self._events = ev.PY_START | ev.PY_RESUME | ev.LINE | ev.PY_RETURN | ev.PY_YIELD
        for event, callback in (
            (ev.PY_START, self._py_start), (ev.PY_RESUME, self._py_resume), (ev.LINE, self._line),
            (ev.PY_RETURN, self._py_return), (ev.PY_YIELD, self._py_yield), (ev.PY_UNWIND, self._py_unwind),
        ):
            mon.register_callback(self.tool, event, callback)
        mon.set_events(self.tool, ev.PY_UNWIND)

    def adopt(self, code: CodeType, disposition: PluginDisposition, frame: Optional[FrameType]) -> None:
        """Measure `code` from now on; `frame` (if not None) is its frame starting now."""
        if self.tool is None:
            disposition.tracing.warn(
                "No free sys.monitoring tool id for plug-in file tracers: their files are not measured",
                once_key="plugin-monitor-tool", slug="plugin-disabled",
            )
            return
        if id(code) not in self.codes:
            self.codes[id(code)] = (code, disposition)
            self.mon.set_local_events(self.tool, code, self._events)
        if frame is not None and frame not in self.frames:
            self.frames[frame] = disposition.start_frame(frame, True)

    def _start(self, code: CodeType, real_call: bool) -> Optional[PluginFrame]:
        frame = sys._getframe(2)
        entry = self.codes.get(id(code))
        if entry is None or frame in self.frames:
            return None
        recorder = self.frames[frame] = entry[1].start_frame(frame, real_call)
        return recorder

    def _py_start(self, code: CodeType, offset: int) -> Any:
        self._start(code, True)

    def _py_resume(self, code: CodeType, offset: int) -> Any:
        self._start(code, False)

    def _line(self, code: CodeType, line: int) -> Any:
        frame = sys._getframe(1)
        try:
            recorder = self.frames[frame]
        except KeyError:
            # A frame running before its code was adopted, or resumed by throw().
            entry = self.codes.get(id(code))
            if entry is None:
                return None
            recorder = self.frames[frame] = entry[1].start_frame(frame, False)
        if recorder is not None:
            recorder.line(frame)

    def _end(self, real_return: bool) -> None:
        frame = sys._getframe(2)
        recorder = self.frames.pop(frame, None)
        if recorder is not None:
            recorder.leave(frame, real_return)

    def _py_return(self, code: CodeType, offset: int, value: object) -> Any:
        self._end(True)

    def _py_yield(self, code: CodeType, offset: int, value: object) -> Any:
        self._end(False)

    def _py_unwind(self, code: CodeType, offset: int, exc: BaseException) -> Any:
        if id(code) in self.codes:
            self._end(True)

    def stop(self) -> None:
        """Remove the events and callbacks, free the tool id."""
        if self.tool is None:
            return
        mon = self.mon
        mon.set_events(self.tool, 0)
        for code, _ in self.codes.values():
            mon.set_local_events(self.tool, code, 0)
        ev = mon.events
        for event in (ev.PY_START, ev.PY_RESUME, ev.LINE, ev.PY_RETURN, ev.PY_YIELD, ev.PY_UNWIND):
            mon.register_callback(self.tool, event, None)
        mon.free_tool_id(self.tool)
        self.tool = None
        self.codes.clear()
        self.frames.clear()


def executable_files(tracing: PluginTracing, selector: FileSelector) -> Iterator[tuple[str, str]]:
    """(file, plug-in name) for every file the plug-ins' ``find_executable_files``
    find in the source directories and packages (never run files count at 0%)."""
    from covcore.files import package_dir

    roots = [d for d in selector.source_dirs if os.path.isdir(d)]
    for pkg in selector.source_pkgs:
        directory = package_dir(pkg)
        if directory is not None and os.path.isdir(directory) and directory not in roots:
            roots.append(directory)
    for loaded in tracing.plugins:
        find = getattr(loaded.plugin, "find_executable_files", None)
        if find is None or loaded.name in tracing.disabled:
            continue
        for root in roots:
            try:
                found = [str(name) for name in find(root)]
            except Exception as exc:
                tracing.disable(loaded, "find_executable_files", exc)
                break
            for name in found:
                path = canonical_filename(name)
                if not (selector.omit and selector.omit.match(path)):
                    yield path, loaded.name

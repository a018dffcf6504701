"""Type aliases and the tracer interface shared by every core.

The tracer interface is written down here once, as a Protocol; the C types
in covcore._ctracer are described by _ctracer.pyi and implement the same
Protocol, as does covcore.pytracer.PyTracer.
"""

from __future__ import annotations

from types import FrameType
from typing import TYPE_CHECKING, Any, Callable, Iterable, MutableMapping, Optional, Protocol, Union

if TYPE_CHECKING:
    from covcore.filetracers import PluginDisposition

#: A line number.  Negative numbers mark the entry and exit of a code object
#: in arcs: ``(-co_firstlineno, first_line)`` enters, ``(last_line, -co_firstlineno)``
#: leaves.
TLineNo = int
#: An arc: a jump from one line to another.
TArc = tuple[int, int]
#: What should_trace returns: the file name to record the frame's lines under,
#: None when the file is not measured, or, for a file a coverage.py file-tracer
#: plug-in claimed, a PluginDisposition (covcore.filetracers): the cores then
#: take its frames on their slow path.
TDisposition = Optional[Union[str, "PluginDisposition"]]
#: ``should_trace(filename, frame) -> disposition``.
TShouldTrace = Callable[[str, FrameType], TDisposition]
#: The per-file collection a tracer fills: a set of lines, or a set of arcs.
#: The C core fills covcore._ctracer.LineSet objects, which are iterable in
#: the same way.
TTraceFileData = Union[set[TLineNo], set[TArc], Iterable[Any]]
#: The measured data: canonical file name -> that file's collection.
TTraceData = MutableMapping[str, TTraceFileData]
#: A Python-level trace function.
TTraceFn = Callable[[FrameType, str, Any], Optional["TTraceFn"]]


class Tracer(Protocol):
    """What every tracer core provides.

    The collector makes one tracer per thread, sets the attributes, then calls
    ``start()`` in that thread, and ``stop()`` when measurement ends.
    """

    #: Canonical file name -> collected lines or arcs.  Shared by all the
    #: tracers of one collector; a tracer adds new files to it itself.
    data: TTraceData
    #: True: record arcs ``(from, to)``; False: record line numbers.
    trace_arcs: bool
    #: Decides whether a file is measured; called once per file name.
    should_trace: TShouldTrace
    #: Raw file name -> disposition, filled by the tracer from should_trace.
    should_trace_cache: dict[str, TDisposition]

    def start(self) -> Any:
        """Start tracing the current thread."""

    def stop(self) -> None:
        """Stop tracing (the current thread, and the others lazily)."""

    def activity(self) -> bool:
        """Has the tracer seen any events since the last reset_activity()?"""

    def reset_activity(self) -> None:
        """Forget the activity flag."""

    def get_stats(self) -> dict[str, int] | None:
        """Counters of the work done, or None when not collected."""

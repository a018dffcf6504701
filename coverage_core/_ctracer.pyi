"""Type stub of the C extension covcore._ctracer (sources in ctracer/)."""

from types import CodeType, FrameType
from typing import Any, Callable, Iterator, Optional, Union

from covcore.types import TDisposition, TShouldTrace, TTraceData

STATS: int

def untraced(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """A built-in function `name` that calls fn with tracing off."""
def around(fn: Callable[..., Any], before: Callable[[Optional[FrameType]], Any],
           after: Callable[[Optional[FrameType]], Any]) -> Callable[..., Any]:
    """A built-in that calls before(frame), fn(*args), after(frame); frame: the running one."""
def exec_detached(code: CodeType, globals: dict[str, Any]) -> None:
    """exec(code, globals), the code's frame with no f_back (the program's main module)."""
def call_traced(fn: Callable[..., Any], *args: Any) -> Any:
    """Call fn with tracing on, from inside a trace or profile function."""
def call_traced_alone(fn: Callable[..., Any], *args: Any) -> Any:
    """call_traced, with the thread's settrace function off meanwhile."""
def watch_sigterm() -> bool:
    """Let the C cores run Python's SIGTERM handler at their next event; True if armed."""

class LineSet:
    """The executed lines, or arcs, of one file."""

    is_arcs: bool
    def __init__(self, arcs: bool = False) -> None: ...
    def add(self, item: Union[int, tuple[int, int]]) -> None: ...
    def clear(self) -> None: ...
    def to_list(self) -> list[Any]: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __contains__(self, item: object) -> bool: ...

class CTracer:
    """The settrace core (implements covcore.types.Tracer)."""

    foreign: Optional[Callable[..., Any]]
    #: callable() -> the running greenlet: a data stack per greenlet (set before start()).
    concurrency_id: Optional[Callable[[], object]]
    data: TTraceData
    trace_arcs: bool
    #: Point each traced frame's f_trace at this tracer (off while the trouble hooks are in).
    marks_frames: bool
    #: The program has a sys.monitoring tool: no frame's line events are switched off.
    program_tools: bool
    should_trace: TShouldTrace
    should_trace_cache: dict[str, TDisposition]
    def __init__(self) -> None: ...
    def __call__(self, frame: FrameType, event: str, arg: Any, lineno: int = ...) -> Any: ...
    def start(self) -> "CTracer": ...
    def stop(self) -> None: ...
    def resync(self, frame: FrameType) -> None: ...
    def activity(self) -> bool: ...
    def reset_activity(self) -> None: ...
    def get_stats(self) -> dict[str, int] | None: ...

class SysMon:
    """The sys.monitoring core, Python 3.12+ (implements covcore.types.Tracer).

    One instance measures every thread.
    """

    data: TTraceData
    trace_arcs: bool
    should_trace: TShouldTrace
    should_trace_cache: dict[str, TDisposition]
    tool_id: int | None
    lost_tool: bool
    def __init__(self) -> None: ...
    def start(self) -> "SysMon": ...
    def stop(self) -> None: ...
    def restart_events(self) -> None: ...
    def activity(self) -> bool: ...
    def reset_activity(self) -> None: ...
    def get_stats(self) -> dict[str, int] | None: ...

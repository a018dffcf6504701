"""Contexts: which test (or other label) ran each line.

A context is a label the data is recorded under.  The *static* context is
set for a whole run (``--context=LABEL``, ``[run] context``); a *dynamic*
context changes while the program runs: ``[run] dynamic_context =
test_function`` switches to a test function's qualified name when it starts,
and back to no context when that function returns (as coverage.py does), and
the pytest plugin switches to ``<test id>|setup``, ``|run`` and
``|teardown`` around each test phase.  The context recorded is the static
label, a ``|`` and the dynamic one, or whichever of the two is set.

Switching costs nothing per line: the controller flushes what the collector
gathered so far into the data under the old context, and the tracers go on
filling fresh sets (``Coverage.switch_context``).  The cores that stop
reporting lines they have seen start again: the settrace core's "fully
covered" skip is reset by the flush (it clears the line sets), and for the
sys.monitoring core the controller calls its ``restart_events()`` (which
switches back on the code it stopped measuring, then calls
``sys.monitoring.restart_events()``).

:class:`ContextSwitcher` finds the functions that start a context (test
functions, or those a coverage.py plug-in's ``dynamic_context(frame)``
names, see covcore.plugins) starting and ending: on 3.12+ with a
``PY_START`` callback of its own sys.monitoring tool (which, for
``test_function`` alone, disables itself for every code object that is not
a test), ``PY_RETURN`` on the starting code and ``PY_UNWIND`` only while a
context runs; before 3.12 with a profile function.  Either costs a Python
call per function call, and only while such a setting is on; the tracer
cores know nothing of it, so every core supports it.
"""

from __future__ import annotations

import os
import sys
from types import CodeType, FrameType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

#: sys.monitoring tool ids tried for the test-function switcher (0 is
#: debuggers', 1 coverage.py's, 2 profilers'; the sysmon core tries 3, 4 first).
_TOOL_IDS = (5, 4, 3, 2)
_TOOL_NAME = "covcore contexts"
#: The events that may start a context: a frame starting, or resuming (3.12+).
_STARTS = (1 << 0) | (1 << 1)  # sys.monitoring.events.PY_START | PY_RESUME


def _monitoring() -> Any:
    """sys.monitoring (3.12+), or None."""
    return getattr(sys, "monitoring", None)


def combined_context(static: Optional[str], dynamic: Optional[str]) -> str:
    """The context recorded for a static label and a dynamic one."""
    if static and dynamic:
        return f"{static}|{dynamic}"
    return static or dynamic or ""


def is_test_function(code: CodeType) -> bool:
    """Does this code look like a test function (``test*`` or ``runTest``)?"""
    name = code.co_name
    return name.startswith("test") or name == "runTest"


def qualified_name(frame: FrameType) -> Optional[str]:
    """``module.Class.function`` for the code running in `frame`, if it can be told.

    A method is named through its instance (``self``), so an inherited test
    is named after the class that ran it; a plain function through the
    module global of its name.  None when neither finds it.
    """
    code = frame.f_code
    name = code.co_name
    if code.co_argcount and code.co_varnames[0] == "self":
        instance = frame.f_locals.get("self")
        method = getattr(instance, name, None)
        if method is not None:
            func = getattr(method, "__func__", None)
            if func is None:
                cls = type(instance)
                return f"{cls.__module__}.{cls.__name__}.{name}"
            return f"{func.__module__}.{func.__qualname__}"
    func = frame.f_globals.get(name)
    if func is None:
        return None
    return f"{getattr(func, '__module__', None) or frame.f_globals.get('__name__', '?')}.{name}"


def test_function_context(frame: FrameType) -> Optional[str]:
    """``dynamic_context = test_function``: the test's qualified name, for a test's frame."""
    return qualified_name(frame) if is_test_function(frame.f_code) else None


def first_context(functions: list[Callable[[FrameType], Optional[str]]]) -> Callable[[FrameType], Optional[str]]:
    """One context function asking each of `functions` in turn (the first name wins)."""
    if len(functions) == 1:
        return functions[0]

    def first(frame: FrameType) -> Optional[str]:
        for function in functions:
            name = function(frame)
            if name is not None:
                return name
        return None

    return first


class ContextSwitcher:
    """Calls `switch(name)` when a function starts whose frame `should_start`
    names (in any thread), and `switch("")` when that frame ends.

    As in coverage.py, `should_start(frame)` is asked at the start of each
    function call while no context started this way is running; a name
    (a string) starts that context for the frame's duration.  `code_filter`,
    when given, says from the code object alone whether `should_start` could
    name a frame of it: code it rejects is never asked about again (the
    sys.monitoring tool disables itself there).  Without it every call is
    asked, which is what coverage.py's plug-ins expect.
    """

    def __init__(
        self,
        should_start: Callable[[FrameType], Optional[str]],
        switch: Callable[[str], None],
        ending: Optional[Callable[[str, int], None]] = None,
        code_filter: Optional[Callable[[CodeType], bool]] = None,
    ) -> None:
        self.should_start = should_start
        self.switch = switch
        #: Told (file, first line) of the function that ends a context.
        self.ending = ending
        self.code_filter = code_filter
        self._tool: Optional[int] = None
        self._profiling = False
        #: The frame that started the running context (kept only while it runs).
        self._frame: Optional[FrameType] = None

    def _started(self, frame: FrameType) -> bool:
        name = self.should_start(frame)
        if not name:
            return False
        self._frame = frame
        self.switch(name)
        return True

    def _ended(self, frame: FrameType) -> bool:
        if frame is not self._frame:
            return False
        self._frame = None
        if self.ending is not None:
            self.ending(os.path.realpath(os.path.abspath(frame.f_code.co_filename)), frame.f_code.co_firstlineno)
        self.switch("")
        return True

    # -- 3.12+: a sys.monitoring tool of our own --

    def _py_start(self, code: CodeType, offset: int) -> Any:
        mon = _monitoring()
        if self.code_filter is not None and not self.code_filter(code):
            return mon.DISABLE
        if self._frame is None and self._started(sys._getframe(1)):
            assert self._tool is not None
            # Until it ends (returns, raises, or yields: a resumption starts
            # it again, as settrace's call event does), only the frame that
            # started the context is watched.
            mon.set_local_events(self._tool, code, mon.events.PY_RETURN | mon.events.PY_YIELD)
            mon.set_events(self._tool, mon.events.PY_UNWIND)
        return None

    def _py_end(self, code: CodeType, offset: int, value: object) -> Any:
        if code is (self._frame.f_code if self._frame is not None else None) and self._ended(sys._getframe(1)):
            assert self._tool is not None
            mon = _monitoring()
            mon.set_local_events(self._tool, code, 0)
            mon.set_events(self._tool, _STARTS)
        return None

    def _start_monitoring(self) -> bool:
        mon = _monitoring()
        if mon is None:
            return False
        for tool in _TOOL_IDS:
            if mon.get_tool(tool) is None:
                mon.use_tool_id(tool, _TOOL_NAME)
                mon.register_callback(tool, mon.events.PY_START, self._py_start)
                mon.register_callback(tool, mon.events.PY_RESUME, self._py_start)
                for event in (mon.events.PY_RETURN, mon.events.PY_YIELD, mon.events.PY_UNWIND):
                    mon.register_callback(tool, event, self._py_end)
                mon.set_events(tool, _STARTS)
                self._tool = tool
                return True
        return False

    # -- before 3.12: a profile function --

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            if self._frame is None and (self.code_filter is None or self.code_filter(frame.f_code)):
                self._started(frame)
        elif event == "return" and frame is self._frame:
            self._ended(frame)

    def start(self) -> None:
        """Start watching for test functions."""
        if self._tool is not None or self._profiling:
            return
        if self._start_monitoring():
            return
        self._profiling = True
        import threading

        threading.setprofile(self._profile)
        sys.setprofile(self._profile)

    def stop(self) -> None:
        """Stop watching."""
        if self._tool is not None:
            mon = _monitoring()
            mon.set_events(self._tool, 0)
            if self._frame is not None:
                mon.set_local_events(self._tool, self._frame.f_code, 0)
            for event in (mon.events.PY_START, mon.events.PY_RESUME, mon.events.PY_RETURN,
                          mon.events.PY_YIELD, mon.events.PY_UNWIND):
                mon.register_callback(self._tool, event, None)
            mon.free_tool_id(self._tool)
            self._tool = None
        self._frame = None
        if self._profiling:
            self._profiling = False
            if sys.getprofile() == self._profile:
                sys.setprofile(None)
            import threading

            threading.setprofile(None)

"""Which tracer core runs: the one place that decides, and says why.

Cores by name:
  ``sysmon``  the C sys.monitoring core (covcore._ctracer.SysMon), Python 3.12+;
              the default there
  ``ctrace``  the C settrace core (covcore._ctracer.CTracer); the default
              before 3.12
  ``pytrace`` the pure-Python settrace core (covcore.pytracer.PyTracer)

No other module imports the C extension.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Callable, Optional, Sequence
    from covcore.types import Tracer

from covcore.exceptions import CoreUnavailable

CORE_NAMES = ("sysmon", "ctrace", "pytrace")

#: A free-threaded interpreter (3.13t and later): its ABI flags say so.
FREE_THREADED = "t" in getattr(sys, "abiflags", "")

try:
    if FREE_THREADED:
        # The C cores share their state between threads without locks: they
        # are not built for such a Python (setup.py) and never loaded on one.
        raise ImportError("this Python is free-threaded, and covcore's C cores need the GIL")
    from covcore import _ctracer
    CTRACER_ERROR: Optional[str] = None
except ImportError as _exc:   # the extension was not built, or does not load
    _ctracer = None  # type: ignore[assignment]
    CTRACER_ERROR = str(_exc) if FREE_THREADED else f"{type(_exc).__name__}: {_exc}"


def ctracer_path() -> Optional[str]:
    """The file of the loaded C extension, or None."""
    return getattr(_ctracer, "__file__", None) if _ctracer is not None else None


def _unavailable_reason(name: str) -> Optional[str]:
    """Why core `name` can't run here, or None if it can."""
    if name == "pytrace":
        return None
    if _ctracer is None:
        return f"covcore's C extension is not available: {CTRACER_ERROR}"
    if name == "sysmon" and not hasattr(_ctracer, "SysMon"):
        return "it needs Python 3.12 or later (sys.monitoring)"
    return None


def available_cores() -> list[str]:
    """The names of the cores that can run on this Python, with this build."""
    return [name for name in CORE_NAMES if _unavailable_reason(name) is None]


class CoreChoice:
    """The core chosen to run, and the reason it was chosen."""

    __slots__ = ("name", "reason", "warning")

    def __init__(self, name: str, reason: str, warning: Optional[str] = None) -> None:
        self.name = name
        self.reason = reason
        #: A warning to show once (the C core was wanted by default but is missing).
        self.warning = warning

    def __repr__(self) -> str:
        return f"CoreChoice({self.name!r}, {self.reason!r}, {self.warning!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CoreChoice):
            return NotImplemented
        return (self.name, self.reason, self.warning) == (other.name, other.reason, other.warning)

    def __hash__(self) -> int:
        return hash((self.name, self.reason, self.warning))

    @property
    def all_threads(self) -> bool:
        """Does one tracer measure every thread (rather than one per thread)?"""
        return self.name == "sysmon"

    def tracer_class(self) -> Callable[[], Tracer]:
        """The class of the tracers: one per thread, or one for all (all_threads)."""
        if self.name == "sysmon":
            assert _ctracer is not None
            return _ctracer.SysMon
        if self.name == "ctrace":
            assert _ctracer is not None
            return _ctracer.CTracer
        from covcore.pytracer import PyTracer
        return PyTracer


#: Concurrency libraries whose threads (greenlets) switch inside one OS thread.
GREENLET_CONCURRENCY = ("greenlet", "gevent")


def _greenlet_branches(concurrency: Sequence[str], branch: bool) -> Optional[str]:
    """The greenlet library named in `concurrency` when branches are measured, else None.

    The sysmon core's branch mode keeps one frame stack per thread, which
    greenlet switches would mix up; its line mode keeps no stack.
    """
    if not branch:
        return None
    return next((c for c in concurrency if c in GREENLET_CONCURRENCY), None)


def choose_core(
    requested: Optional[str],
    timid: bool = False,
    origin: str = "",
    concurrency: Sequence[str] = (),
    branch: bool = False,
) -> CoreChoice:
    """Pick the core.

    `requested` is the core named by ``--core`` or the configuration (its
    `origin` says which, for messages); otherwise ``COVCORE_CORE`` from the
    environment.  ``timid`` asks for the Python core.  A core that was asked
    for explicitly and cannot run raises CoreUnavailable; the default falls
    back to the Python core with a warning.  Branches measured with
    greenlets (`concurrency`) rule out the sysmon core.
    """
    greenlets = _greenlet_branches(concurrency, branch)
    if timid:
        return CoreChoice("pytrace", "--timid (or timid = true) asks for the Python tracer")
    if not requested:
        env = os.environ.get("COVCORE_CORE", "").strip()
        if env:
            requested, origin = env, "the COVCORE_CORE environment variable"
    if requested:
        if requested not in CORE_NAMES:
            raise CoreUnavailable(
                f"Unknown core {requested!r} (from {origin or 'the command line'}): "
                f"choose one of {', '.join(CORE_NAMES)}"
            )
        why_not = _unavailable_reason(requested)
        if why_not is None and requested == "sysmon" and greenlets:
            why_not = (
                f"it can't measure branches with concurrency={greenlets} "
                "(use the ctrace core, the default then)"
            )
        if why_not is not None:
            raise CoreUnavailable(
                f"The {requested} core was requested (by {origin or 'the command line'}) but {why_not}"
            )
        return CoreChoice(requested, f"requested by {origin or 'the command line'}")
    if _unavailable_reason("sysmon") is None:
        if greenlets:
            return CoreChoice(
                "ctrace",
                f"branches with concurrency={greenlets}: the sysmon core keeps one frame stack per thread",
            )
        return CoreChoice("sysmon", "the default on Python 3.12+: the C extension is available")
    if _ctracer is not None:
        return CoreChoice("ctrace", "the default before Python 3.12: the C extension is available")
    return CoreChoice(
        "pytrace",
        "the C extension is not available, so the Python tracer is used",
        warning=(
            "covcore's C extension is not available, measuring with the slower "
            f"Python tracer ({CTRACER_ERROR})"
        ),
    )


def describe() -> list[tuple[str, str]]:
    """Facts about the cores for ``covcore debug sys``."""
    rows = [
        ("python", sys.version.replace("\n", " ")),
        ("platform", sys.platform),
        ("available cores", ", ".join(available_cores())),
        ("C extension", ctracer_path() or f"not loaded: {CTRACER_ERROR}"),
        ("C extension stats", "on" if _ctracer is not None and _ctracer.STATS else "off"),
    ]
    try:
        choice = choose_core(None)
        rows.append(("default core", f"{choice.name} ({choice.reason})"))
    except CoreUnavailable as exc:
        rows.append(("default core", f"none: {exc}"))
    return rows

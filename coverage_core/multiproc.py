"""multiprocessing workers, measured with no configuration (used by covcore.process).

* fork: nothing here; the fork hook of covcore.process carries measurement
  into the child, and its ``os._exit`` hook saves the data.
* spawn and forkserver: a *stowaway* object is added to the preparation data
  multiprocessing pickles for every new process
  (``multiprocessing.spawn.get_preparation_data``).  Unpickling it in the new
  process starts measuring there, with the run's settings, before the main
  module is imported again.
* ``Process.terminate()``: the worker saves in covcore's SIGTERM handler.
  CPython runs a Python signal handler only between bytecodes or when a
  blocking call is interrupted; a SIGTERM that arrives in the instant a
  worker starts blocking (``Pool.terminate()`` makes this likely: the pool
  holds the task queue's lock while it terminates workers that wait for it)
  is only handled when another signal comes.  So, while covcore measures
  the parent, joining a terminated process repeats SIGTERM every second
  until the process is gone.

``multiprocessing.spawn`` and ``multiprocessing.popen_fork`` are patched
when the program imports them (an import hook that only looks at those two
names), not before: importing them costs tens of milliseconds.
"""

from __future__ import annotations

import sys
from types import ModuleType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, Optional, Sequence

#: Seconds between the SIGTERMs sent to a terminated process while joining it.
RESEND_INTERVAL = 1.0

_originals: dict[str, Any] = {}


class _Stowaway:
    """Pickled into a spawned or forkserver process's preparation data; starts measuring there."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __getstate__(self) -> dict[str, str]:
        return {"settings": self.text}

    def __setstate__(self, state: dict[str, str]) -> None:
        from covcore import process

        self.text = state["settings"]
        process.start_from_settings(self.text, "multiprocessing")


def _settings() -> Optional[str]:
    from covcore import process

    cov = process.active()
    return process.settings(cov) if cov is not None else None


def _get_preparation_data(name: str) -> dict[str, Any]:
    """multiprocessing.spawn.get_preparation_data, with our stowaway."""
    original: Callable[[str], dict[str, Any]] = _originals["get_preparation_data"]
    data = original(name)
    text = _settings()
    if text is not None:
        data["covcore"] = _Stowaway(text)
    return data


def _terminate(self: Any) -> None:
    """popen_fork.Popen.terminate (every POSIX start method): remember it was sent."""
    self._covcore_terminated = True
    _originals["terminate"](self)


def _wait(self: Any, timeout: Optional[float] = None) -> Any:
    """popen_fork.Popen.wait: repeat SIGTERM while a terminated process doesn't end."""
    if timeout is None and self.returncode is None and getattr(self, "_covcore_terminated", False):
        import signal
        from multiprocessing.connection import wait as ready

        while not ready([self.sentinel], RESEND_INTERVAL):
            self._send_signal(signal.SIGTERM)
    return _originals["wait"](self, timeout)


def _patch_spawn(module: ModuleType) -> None:
    if "get_preparation_data" not in _originals:
        _originals["get_preparation_data"] = getattr(module, "get_preparation_data")
        setattr(module, "get_preparation_data", _get_preparation_data)


def _patch_popen_fork(module: ModuleType) -> None:
    if "terminate" not in _originals:
        _originals["terminate"], _originals["wait"] = module.Popen.terminate, module.Popen.wait
        module.Popen.terminate, module.Popen.wait = _terminate, _wait


_PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "multiprocessing.spawn": _patch_spawn,
    "multiprocessing.popen_fork": _patch_popen_fork,
}


class _ImportWatcher:
    """A sys.meta_path finder that patches the modules of _PATCHES when the program imports them."""

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[ModuleType] = None,
    ) -> Any:
        patch = _PATCHES.get(fullname)
        if patch is None:
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, path)
        loader = spec.loader if spec is not None else None
        exec_module = getattr(loader, "exec_module", None)
        if spec is None or exec_module is None:
            return None

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            if _watcher in sys.meta_path:
                patch(module)

        setattr(loader, "exec_module", exec_and_patch)
        return spec


_watcher = _ImportWatcher()


def install() -> None:
    """Patch multiprocessing now, or when it is imported."""
    for name, patch in _PATCHES.items():
        module = sys.modules.get(name)
        if module is not None:
            patch(module)
    if _watcher not in sys.meta_path:
        sys.meta_path.insert(0, _watcher)


def uninstall() -> None:
    """Put multiprocessing back as it was."""
    if _watcher in sys.meta_path:
        sys.meta_path.remove(_watcher)
    spawn = sys.modules.get("multiprocessing.spawn")
    original = _originals.pop("get_preparation_data", None)
    if spawn is not None and original is not None and getattr(spawn, "get_preparation_data") is _get_preparation_data:
        setattr(spawn, "get_preparation_data", original)
    popen_fork = sys.modules.get("multiprocessing.popen_fork")
    terminate, wait = _originals.pop("terminate", None), _originals.pop("wait", None)
    if popen_fork is not None and terminate is not None and popen_fork.Popen.terminate is _terminate:
        popen_fork.Popen.terminate, popen_fork.Popen.wait = terminate, wait

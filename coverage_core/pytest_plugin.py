"""pytest plugin: measure pytest-xdist workers of a measured pytest run.

Installed as the ``pytest11`` entry point ``covcore``, so pytest loads it in
every session; it does nothing unless covcore is measuring the session
(``covcore run -m pytest -n 2``).  Then the controller hands each worker the
measurement settings in ``workerinput``, and the worker measures itself from
its ``pytest_configure`` on, writing a parallel data file of the run (see
covcore.process), which ``covcore run`` combines at its end.  A worker that
covcore.pth measured from its start (the run measures its subprocesses) is
adopted: its data is saved before the worker says it is done, too.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import pytest

from covcore import process

_KEY = "covcore"
_worker_cov: list[Any] = []


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: pass the settings to a new worker."""
    cov = process.active()
    if cov is not None:
        node.workerinput[_KEY] = process.settings(cov)


def start_worker(config: pytest.Config) -> Optional[Any]:
    """xdist worker: measure it for the controller's run; the Coverage, or None.

    None if the controller is not measured, or this worker is measured
    otherwise (covcore.pytest_measure, for a session it measures itself).
    A worker measured from its start already, as a subprocess of the run,
    is adopted.  The measurement is finished at the end of the session.
    """
    workerinput: Optional[dict[str, Any]] = getattr(config, "workerinput", None)
    if not workerinput or _KEY not in workerinput:
        return None
    cov = process.active()
    if cov is None:
        cov = process.start_from_settings(workerinput[_KEY], "pytest-xdist")
    elif cov.run_id != json.loads(workerinput[_KEY]).get("run"):
        return None
    if cov is not None and cov not in _worker_cov:
        _worker_cov.append(cov)
    return cov


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """xdist worker: start measuring, if the controller is measured."""
    start_worker(config)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """xdist worker: save before telling the controller the worker is done."""
    while _worker_cov:
        cov = _worker_cov.pop()
        if cov._started:        # covcore.pytest_measure may have finished it
            process.finish(cov)

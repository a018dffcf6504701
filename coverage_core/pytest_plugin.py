"""pytest plugin: measure pytest-xdist workers of a measured pytest run.

Installed as the ``pytest11`` entry point ``covcore``, so pytest loads it in
every session; it does nothing unless covcore is measuring the session
(``covcore run -m pytest -n 2``).  Then the controller hands each worker the
measurement settings in ``workerinput``, and the worker measures itself from
its ``pytest_configure`` on, writing a parallel data file of the run (see
covcore.process), which ``covcore run`` combines at its end.
"""

from __future__ import annotations

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


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """xdist worker: start measuring, if the controller is measured."""
    workerinput: Optional[dict[str, Any]] = getattr(config, "workerinput", None)
    if workerinput and _KEY in workerinput:
        cov = process.start_from_settings(workerinput[_KEY], "pytest-xdist")
        if cov is not None:
            _worker_cov.append(cov)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """xdist worker: save before telling the controller the worker is done."""
    while _worker_cov:
        process.finish(_worker_cov.pop())

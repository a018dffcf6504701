"""pytest plugin: ``pytest --covcore=PKG`` measures the test session, as pytest-cov does.

Options (``pytest --help`` lists them under "covcore")::

    --covcore[=PKG]            measure (PKG: a package or directory; repeatable)
    --covcore-branch           measure branches too
    --covcore-report=TYPE      term (default), term-missing, html[:DIR], xml[:FILE],
                               json[:FILE], lcov[:FILE]; ":skip-covered" after term types;
                               repeatable; an empty TYPE writes no report
    --covcore-fail-under=N     fail the session when the total is under N
    --covcore-context=test     record each test's phases as contexts: "<test id>|setup",
                               "|run", "|teardown"
    --covcore-config=FILE      the config file (default: as ``covcore run``)
    --covcore-append           add to the data file instead of replacing it
    --no-covcore               turn all of it off (for debugging)

Measurement starts in ``pytest_load_initial_conftests``, before conftest files
and test modules are imported, so import-time lines count.  It stops when
the test loop ends; then the data is saved, combined with the parallel files
of the run's other processes (pytest-xdist workers, multiprocessing, ...: see
covcore.process) and the reports are written.

pytest-xdist workers measure themselves from the same command-line options,
starting as early as the controller does (xdist names a worker in the
environment before it reads its options).  Each writes a parallel data file
tagged with the controller's run (handed over in ``workerinput``), which the
controller combines at the end.

Under ``covcore run -m pytest`` the session is measured already: the
``--covcore`` options that choose what to measure are then ignored (with a
warning), and ``--covcore-context`` still records per-test contexts.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any, Generator, Optional

import pytest

from covcore import process
from covcore.exceptions import CovcoreError

_KEY = "covcore_measure"
_REPORT_TYPES = ("term", "term-missing", "html", "xml", "json", "lcov")


def pytest_addoption(parser: pytest.Parser) -> None:
    """The --covcore options."""
    group = parser.getgroup("covcore", "coverage measurement with covcore")
    group.addoption(
        "--covcore", action="append", nargs="?", const=True, default=[], metavar="PKG", dest="covcore_source",
        help="measure the session; PKG (a package or directory, repeatable) limits what is measured",
    )
    group.addoption("--covcore-branch", action="store_true", default=None, help="measure branches too")
    group.addoption(
        "--covcore-report", action="append", default=[], metavar="TYPE",
        help="report type: term (default), term-missing, html[:DIR], xml[:FILE], json[:FILE], lcov[:FILE]; "
             "term types take :skip-covered; repeatable; empty for no report",
    )
    group.addoption("--covcore-fail-under", type=_percentage, default=None, metavar="N",
                    help="fail when the total coverage is under N percent")
    group.addoption("--covcore-context", choices=["test"], default=None,
                    help="record contexts: 'test' records each test's setup, run and teardown")
    group.addoption("--covcore-config", default=None, metavar="FILE", help="the covcore (or coverage.py) config file")
    group.addoption("--covcore-append", action="store_true", default=False,
                    help="add to the existing data instead of replacing it")
    group.addoption("--no-covcore", action="store_true", default=False, help="turn covcore measurement off")


def _percentage(text: str) -> float:
    """pytest's type for --covcore-fail-under: 0 to 100, as for `covcore report`."""
    import argparse

    from covcore.results import percentage

    try:
        return percentage(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parse_reports(values: list[str]) -> list[tuple[str, Optional[str], bool]]:
    """(type, output, skip_covered) for each --covcore-report; UsageError for a bad one."""
    if not values:
        return [("term", None, False)]
    reports: list[tuple[str, Optional[str], bool]] = []
    for value in values:
        if not value:
            continue
        kind, _, arg = value.partition(":")
        if kind not in _REPORT_TYPES:
            raise pytest.UsageError(
                f"--covcore-report={value}: unknown report type {kind!r} (choose from {', '.join(_REPORT_TYPES)})"
            )
        if kind.startswith("term"):
            if arg not in ("", "skip-covered"):
                raise pytest.UsageError(f"--covcore-report={value}: {kind} takes only ':skip-covered'")
            reports.append((kind, None, arg == "skip-covered"))
        else:
            reports.append((kind, arg or None, False))
    return reports


def _is_worker() -> bool:
    """Is this process a pytest-xdist worker? (xdist says so before options are read.)"""
    return bool(os.environ.get("PYTEST_XDIST_WORKER")) and bool(os.environ.get("PYTEST_XDIST_TESTRUNUID"))


class CovcorePlugin:
    """Measures one pytest process: the session (or one xdist worker)."""

    def __init__(self, options: Any, worker: bool) -> None:
        self.options = options
        self.worker = worker
        self.cov: Any = None
        #: The process was measured by someone else (covcore run); we only add contexts.
        self.borrowed = False
        self.total: Optional[float] = None
        self.reports = [] if worker else _parse_reports(options.covcore_report)
        self.failed_message = ""
        #: A warning for the summary (pytest captures stderr while the plugin starts).
        self.note = ""
        self.text = io.StringIO()
        #: Data files the xdist workers wrote, as they reported them.
        self._worker_files: list[str] = []

    # -- Starting --

    def start(self) -> None:
        """Start measuring this process (or adopt the measurement already running)."""
        from covcore.control import Coverage

        active = process.active()
        if active is not None:
            self.cov, self.borrowed = active, True
            if not self.worker and self.options.covcore_source:
                self.note = (
                    "this pytest is measured already (covcore run); "
                    "--covcore options other than --covcore-context are ignored"
                )
            return
        opts = self.options
        sources = [s for s in opts.covcore_source if isinstance(s, str)]
        try:
            cov = Coverage(
                source=sources or None,
                branch=True if opts.covcore_branch else None,
                config_file=opts.covcore_config or True,
                data_suffix=True if self.worker else False,
                auto_data=False,
                # Said once, by the controller, in its summary (pytest captures stderr now).
                warn_ignored=False,
            )
            if not self.worker:
                self.note = cov.ignored_settings_note()
            if opts.covcore_append and not self.worker:
                cov.keep_existing_data()
            elif not self.worker:
                cov.erase()
            cov.core  # noqa: B018 - a core that can't run stops here, with one line
            cov.start()
        except CovcoreError as exc:
            raise pytest.UsageError(f"covcore: {exc}") from None
        self.cov = cov

    # -- pytest-xdist --

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """Controller: hand a new worker the run it belongs to."""
        if self.cov is not None:
            node.workerinput[_KEY] = {"run": self.cov.run_id, "main_pid": self.cov.main_pid,
                                      "borrowed": self.borrowed}

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Controller: a worker finished; remember its data file, to combine it."""
        output = getattr(node, "workeroutput", None) or {}
        path = output.get(_KEY)
        if path:
            self._worker_files.append(path)

    def pytest_configure(self, config: pytest.Config) -> None:
        """Worker: join the controller's run (its files are combined with the run's)."""
        workerinput = getattr(config, "workerinput", None)
        if self.worker and workerinput is None:
            # xdist's variables came from a parent process (a pytest started by
            # a worker's test): this session is a session of its own after all.
            self.worker = False
            self.reports = _parse_reports(self.options.covcore_report)
            if self.cov is not None and not self.borrowed:
                self.cov.data_suffix = None
                self.cov._data = None   # nothing was collected into it yet
            return
        if not (self.worker and workerinput and _KEY in workerinput):
            return
        if workerinput[_KEY].get("borrowed"):
            # The controller is measured by `covcore run`: so is this worker, from
            # its settings (covcore.pytest_plugin), the --covcore options ignored
            # here as there.  What the worker measured on its own so far is dropped.
            if self.cov is not None and not self.borrowed:
                self.cov.stop()
            from covcore import pytest_plugin

            self.cov, self.borrowed = pytest_plugin.start_worker(config), True
            return
        if self.cov is None:
            return
        if self.borrowed and self.cov.run_id == workerinput[_KEY]["run"]:
            # The controller measures its subprocesses ([run] subprocess, patch =
            # subprocess), so covcore.pth measured this worker for its run already:
            # that measurement is this worker's, saved and handed back at the end.
            self.borrowed = False
        elif not self.borrowed:
            self.cov.run_id = workerinput[_KEY]["run"]
            self.cov.main_pid = workerinput[_KEY]["main_pid"]

    # -- Contexts --

    def _switch(self, item: pytest.Item, when: str) -> None:
        if self.options.covcore_context == "test" and self.cov is not None:
            self.cov.switch_context(f"{item.nodeid}|{when}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        """Setup of a test: context ``<id>|setup``."""
        self._switch(item, "setup")
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """The test itself: context ``<id>|run``."""
        self._switch(item, "run")
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        """Teardown of a test: context ``<id>|teardown``."""
        self._switch(item, "teardown")
        yield

    # -- Finishing --

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, None, None]:
        """After the tests: stop, save, combine; the controller writes the reports."""
        yield
        if self.cov is None or self.borrowed:
            return
        if self.options.covcore_context == "test":
            self.cov.switch_context("")
        if self.worker:
            process.finish(self.cov)
            output = getattr(session.config, "workeroutput", None)
            if output is not None:
                output[_KEY] = self.cov.get_data().data_filename()
            return
        process.finish(self.cov)
        leftovers = [path for path in self._worker_files if os.path.exists(path)]
        try:
            if leftovers:
                self.cov.combine(leftovers)
            self._report(session)
        except CovcoreError as exc:
            self.failed_message = f"covcore: {exc}"
            session.testsfailed += 1

    def _report(self, session: pytest.Session) -> None:
        """Write the reports (terminal ones are kept for the terminal summary)."""
        cov = self.cov
        total: Optional[float] = None
        for kind, output, skip_covered in self.reports:
            if kind.startswith("term"):
                total = cov.report(
                    show_missing=True if kind == "term-missing" else None,
                    skip_covered=True if skip_covered else None, file=self.text,
                )
                continue
            method = getattr(cov, f"{kind}_report", None)
            if method is None:
                raise CovcoreError(f"the {kind} report isn't available in this covcore")
            if kind == "html":
                total = method(directory=output)
                where = os.path.join(output or cov.config.html_dir, "index.html")
            else:
                total = method(output)
                where = output or getattr(cov.config, f"{kind}_output")
            self.text.write(f"Coverage {kind.upper() if kind != 'html' else 'HTML'} written to {where}\n")
        if total is None:
            total = cov.report(file=io.StringIO())
        self.total = total
        threshold = self.options.covcore_fail_under
        if threshold is None:
            threshold = cov.config.fail_under
        if threshold:
            from covcore.results import should_fail_under

            precision = cov.config.precision
            shown = f"{total:.{precision}f}"
            if should_fail_under(total, threshold, precision):
                self.failed_message = (
                    f"FAIL Required test coverage of {threshold:g}% not reached. Total coverage: {shown}%"
                )
                session.testsfailed += 1
            else:
                self.text.write(f"Required test coverage of {threshold:g}% reached. Total coverage: {shown}%\n")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The terminal report, and the fail-under verdict."""
        if self.worker or self.cov is None:
            return
        if self.note:
            terminalreporter.write_line(f"covcore: warning: {self.note}", yellow=True)
        if self.borrowed:
            return
        text = self.text
        if text.getvalue():
            core = self.cov.core
            terminalreporter.write_sep(
                "-", f"covcore: platform {sys.platform}, python {sys.version.split()[0]}, core {core}"
            )
            terminalreporter.write(text.getvalue())
        if self.failed_message:
            terminalreporter.write_line(self.failed_message, red=True, bold=True)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Start measuring before conftest files and test modules are imported."""
    options = early_config.known_args_namespace
    if getattr(options, "no_covcore", False):
        return
    wanted = bool(getattr(options, "covcore_source", None))
    contexts = getattr(options, "covcore_context", None) is not None
    worker = _is_worker()
    if not wanted and not (contexts and (process.active() is not None or worker)):
        return
    plugin = CovcorePlugin(options, worker=worker)
    if wanted or process.active() is not None:
        plugin.start()
    # Otherwise an xdist worker recording contexts only: if `covcore run` measures
    # the session, the worker's measurement starts in pytest_configure, and is adopted.
    early_config.pluginmanager.register(plugin, "covcore_measure_session")

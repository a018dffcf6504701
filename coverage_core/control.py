"""The controller: the ``Coverage`` object users start and stop.

It reads the configuration, has covcore.cores pick the tracer core, runs a
Collector with it, moves what was collected into a CoverageData (SQLite),
and produces reports from the data and the static analysis.
"""

from __future__ import annotations

import atexit
import os
import sys
from types import TracebackType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from types import FrameType
    from typing import IO, Any, Callable, Iterable, Optional

    from covcore.contexts import ContextSwitcher
    from covcore.filetracers import PluginTracing
    from covcore.plugins import Registry

from covcore import cores, process
from covcore.collector import Collector, concurrency_id_function, trouble_hooks_wanted
from covcore.config import Config, check_concurrency, read_config
from covcore.data import CoverageData, DataLocked
from covcore.exceptions import CovcoreError, DataError
from covcore.files import FileSelector
from covcore.version import __version__

_warned: set[str] = set()
#: The names of the warnings not to show: ``[run] disable_warnings`` of the
#: Coverage made last (see set_disabled_warnings).
_disabled: set[str] = set()


def warn(message: str, once_key: Optional[str] = None, slug: Optional[str] = None) -> None:
    """Print a warning for the user on stderr (once per key, if given).

    `slug` names the warning for ``[run] disable_warnings`` (coverage.py's
    names where it has the same warning; docs/config.md lists them).
    """
    if slug is not None and slug in _disabled:
        return
    if once_key is not None:
        if once_key in _warned:
            return
        _warned.add(once_key)
    sys.stderr.write(f"covcore: warning: {message}\n")
    sys.stderr.flush()


def set_disabled_warnings(names: Iterable[str]) -> None:
    """The warnings `warn` leaves out from now on (``[run] disable_warnings``)."""
    _disabled.clear()
    _disabled.update(names)


_UNSET: Any = object()


def _first(*values: Optional[bool]) -> bool:
    """The first of `values` that is not None (False if all are)."""
    return next((value for value in values if value is not None), False)


class Coverage:
    """Measure which lines (and optionally arcs) of Python code run.

    ``cov = Coverage(branch=True, source=["pkg"]); cov.start(); ...;
    cov.stop(); cov.save(); cov.report(show_missing=True)``, or use it as a
    context manager.  Arguments left out come from the configuration file
    (``.covcorerc`` or ``[tool.covcore]`` in ``pyproject.toml``), then from
    the defaults.
    """

    def __init__(
        self,
        data_file: Optional[str] = _UNSET,
        data_suffix: Optional[str | bool] = None,
        branch: Optional[bool] = None,
        source: Optional[Iterable[str]] = None,
        include: Optional[Iterable[str]] = None,
        omit: Optional[Iterable[str]] = None,
        core: Optional[str] = None,
        timid: Optional[bool] = None,
        config_file: Optional[str] | bool = True,
        auto_data: bool = False,
        core_origin: str = "the core argument",
        context: Optional[str] = None,
        concurrency: Optional[Iterable[str]] = None,
        warn_ignored: bool = True,
    ) -> None:
        rcfile = config_file if isinstance(config_file, str) else None
        self.config: Config = read_config(rcfile) if config_file else Config()
        c = self.config
        set_disabled_warnings(c.disable_warnings)
        if c.ignored and warn_ignored:
            warn(self.ignored_settings_note(), once_key="ignored-settings", slug="ignored-settings")
        if context is not None:
            c.context = context
        if concurrency is not None:
            c.concurrency = check_concurrency(concurrency)
            if "eventlet" in c.concurrency:
                warn("ignoring concurrency eventlet: covcore doesn't support it", once_key="eventlet")
        if data_file is not _UNSET and data_file is not None:
            c.data_file = data_file
        if branch is not None:
            c.branch = branch
        if source is not None:
            c.source = list(source)
        if include is not None:
            c.include = list(include)
        if omit is not None:
            c.omit = list(omit)
        #: The coverage.py plug-ins of ``[run] plugins`` (None: none configured).
        self.plugins: Optional[Registry] = None
        if c.plugins:
            self._load_plugins()
        if c.source_pkgs or c.source_dirs:
            c.source = [*c.source, *c.source_pkgs, *c.source_dirs]
            c.source_pkgs, c.source_dirs = [], []
        if timid is not None:
            c.timid = timid
        if core is not None:
            self._core_origin = core_origin
            c.core = core
        elif os.environ.get("COVCORE_CORE", "").strip():
            c.core = os.environ["COVCORE_CORE"].strip()
            self._core_origin = "the COVCORE_CORE environment variable"
        else:
            self._core_origin = f"'core' in {c.config_file}" if c.config_file else ""
        self.data_suffix = data_suffix if data_suffix is not None else (True if c.parallel else None)
        self.auto_data = auto_data
        self.data_path = os.path.abspath(c.data_file)
        self._data: Optional[CoverageData] = None
        self._collector: Optional[Collector] = None
        self._selector: Optional[FileSelector] = None
        self._core: Optional[cores.CoreChoice] = None
        self._started = False
        self._saved_once = False
        self._atexit_registered = False
        #: Measured since the last save() (tried or done): what _atexit saves.
        self._save_pending = False
        #: The measured run this process belongs to, and the pid of the run's
        #: main process: set at the first start(), or by covcore.process in
        #: the other processes of a run.
        self.run_id = ""
        self.main_pid = 0
        #: The directory the default file selection is relative to (None: the
        #: current directory at start()).
        self.selector_cwd: Optional[str] = None
        #: The dynamic part of the context (a test's name), see switch_context().
        self._dynamic_context = ""
        self._switcher: Optional[ContextSwitcher] = None
        #: The file-tracer plug-ins while measuring (None: none configured).
        self._plugin_tracing: Optional[PluginTracing] = None
        #: (file, first line, context): exit arcs of a function that ended a
        #: context, recorded by a tracer that runs after the switch.
        self._late_exits: list[tuple[str, int, str]] = []
        self._late_next: list[tuple[str, int, str]] = []
        #: The directory relative file names are relative to (relative_files).
        self._relative_to = os.getcwd()

    def _load_plugins(self) -> None:
        """Load ``[run] plugins``; the configurers change the settings now,
        after the arguments (as in coverage.py, they see and may change them)."""
        from covcore.plugins import load_plugins

        c = self.config
        self.plugins = load_plugins(c)
        set_disabled_warnings(c.disable_warnings)

    def ignored_settings_note(self) -> str:
        """The note naming the settings read but not acted on ("" if none).

        The constructor prints it once, unless told not to (the pytest plugin
        shows it in its own summary instead).
        """
        c = self.config
        if not c.ignored:
            return ""
        return f"ignoring settings covcore doesn't support, in {c.config_file}: {', '.join(c.ignored)}"

    # -- Measuring --

    @property
    def core(self) -> str:
        """The name of the tracer core in use (chosen at the first start())."""
        return self._choose_core().name

    def _choose_core(self) -> cores.CoreChoice:
        if self._core is None:
            c = self.config
            self._core = cores.choose_core(c.core, c.timid, self._core_origin, c.concurrency, c.branch)
            if self._core.warning:
                warn(self._core.warning, once_key="no-ctracer", slug="no-ctracer")
        return self._core

    def _get_data_object(self) -> CoverageData:
        if self._data is None:
            self._data = CoverageData(self.data_path, suffix=self.data_suffix, warn=warn)
            if self.auto_data:
                self._data.read()
            self._data.set_context(self.current_context())
        return self._data

    def start(self) -> None:
        """Start measuring code in this thread and in threads started later."""
        if self._started:
            return
        choice = self._choose_core()
        if not self.data_suffix and not self.auto_data:
            CoverageData(self.data_path).check_writable()
        if not self.run_id:
            self.run_id, self.main_pid = process.new_run_id(), os.getpid()
        self._get_data_object()
        if self._collector is None:
            c = self.config
            concurrency_id = concurrency_id_function(c.concurrency)
            self._selector = FileSelector(
                c.source, c.include, c.omit, cwd=self.selector_cwd,
                include_namespace_packages=c.include_namespace_packages,
            )
            for pattern in self._selector.unmatched_patterns:
                warn(f"Source glob pattern {pattern!r} matched no files or directories.",
                     once_key=f"source-glob:{pattern}", slug="source-glob-no-match")
            self._collector = Collector(
                choice.tracer_class(), self._selector.should_trace, c.branch, all_threads=choice.all_threads,
                # The sysmon core (line mode only, see covcore.cores) keeps no stack to split.
                concurrency_id=None if choice.all_threads else concurrency_id,
            )
            if self.plugins is not None:
                self._start_plugin_tracing(self._selector, self._collector)
        if self._switcher is None and (self.config.dynamic_context == "test_function" or self.plugins is not None):
            self._switcher = self._context_switcher()
        if self._switcher is not None:
            self._switcher.start()
        self._collector.start()
        self._started = True
        self._save_pending = True
        if trouble_hooks_wanted():
            process.install(self)
        if self.auto_data and not self._atexit_registered:
            atexit.register(self._atexit)
            self._atexit_registered = True

    def _start_plugin_tracing(self, selector: FileSelector, collector: Collector) -> None:
        """The file-tracer plug-ins join the file decision (covcore.filetracers)."""
        from covcore.plugins import FILE_TRACER

        assert self.plugins is not None
        if not self.plugins.of_kind(FILE_TRACER):
            return
        from covcore.filetracers import PluginTracing

        tracing = self._plugin_tracing = PluginTracing(self.plugins, warn)
        tracing.data, tracing.trace_arcs, tracing.selector = collector.data, self.config.branch, selector
        selector.plugins = tracing

    def _context_switcher(self) -> Optional[ContextSwitcher]:
        """What switches dynamic contexts: ``test_function``, then the plug-ins'."""
        from covcore.contexts import ContextSwitcher, first_context, is_test_function, test_function_context

        functions: list[Callable[[FrameType], Optional[str]]] = []
        if self.config.dynamic_context == "test_function":
            functions.append(test_function_context)
        if self.plugins is not None:
            from covcore.plugins import context_function

            from_plugins = context_function(self.plugins, warn)
            if from_plugins is not None:
                functions.append(from_plugins)
        if not functions:
            return None
        # test_function alone is decided by the code object: other code is never asked again.
        code_filter = is_test_function if functions == [test_function_context] else None
        return ContextSwitcher(first_context(functions), self.switch_context, self._late_exit, code_filter)

    def stop(self) -> None:
        """Stop measuring."""
        if self._started and self._collector is not None:
            self._collector.stop()
        if self._switcher is not None:
            self._switcher.stop()
        if self._plugin_tracing is not None:
            self._plugin_tracing.stop()
        self._started = False
        process.uninstall(self)

    # -- Contexts --

    def current_context(self) -> str:
        """The context lines are recorded in now: static label, ``|``, dynamic part."""
        static, dynamic = self.config.context, self._dynamic_context
        if not static and not dynamic:
            return ""   # the usual case, without covcore.contexts' import
        from covcore.contexts import combined_context

        return combined_context(static, dynamic)

    def switch_context(self, new_context: str) -> None:
        """Record what runs from now on under the dynamic context `new_context`.

        What ran so far is moved into the data under the previous context;
        nothing is paid per line.  The sys.monitoring core is told to report
        lines again (its ``restart_events()``), so each line is
        seen once in every context it runs in.
        """
        data = self.get_data()
        # Exit arcs of the function ending the old context come after this flush.
        self._late_exits, self._late_next = self._late_next, []
        self._dynamic_context = new_context
        data.set_context(self.current_context())
        if self._started and self._core is not None and self._core.all_threads and self._collector is not None:
            self._collector.restart_events()

    def _late_exit(self, filename: str, first_line: int) -> None:
        """The function starting at `first_line` of `filename` ends the current
        context now: its exit arcs belong to it even if a settrace core
        records them after the switch (on 3.12+ trace functions run after
        sys.monitoring tools)."""
        if self.config.branch:
            self._late_next.append((filename, first_line, self.current_context()))

    def keep_existing_data(self) -> None:
        """Add to the data file when saving, never replace what it holds."""
        self._saved_once = True

    def become_forked_child(self) -> None:
        """In a child forked while measuring: write a parallel file of its own.

        The parent saves what it had collected, so the child drops it; the
        tracers go on, so the child's lines after the fork are measured.
        """
        if self._collector is not None:
            self._collector.flush()
        self._data = None
        self.data_suffix = True
        self.auto_data = False
        self._saved_once = True

    def _atexit(self) -> None:
        self.stop()
        if not self._save_pending:
            return      # saved (or the save failed and was reported) since the last start()
        try:
            self.save()
        except CovcoreError as exc:
            sys.stdout.flush()
            sys.stderr.write(f"covcore: {exc}\n")

    def __enter__(self) -> "Coverage":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    # -- Data --

    def get_data(self) -> CoverageData:
        """The measured data so far (collected data is moved into it)."""
        data = self._get_data_object()
        if self._collector is not None:
            collected = self._collector.flush()
            late, self._late_exits = self._late_exits, []
            for filename, first_line, context in late:
                arcs = collected.get(filename)
                moved = {arc for arc in arcs if arc[1] == -first_line} if arcs else set()
                if moved:
                    arcs -= moved  # type: ignore[operator]
                    data.add_arcs({self._stored_name(filename): moved}, context=context)
            if collected and self.config.relative_files:
                collected = {self._stored_name(name): items for name, items in collected.items()}
            if collected:
                if self.config.branch:
                    data.add_arcs(collected)
                else:
                    data.add_lines(collected)
            if self._plugin_tracing is not None:
                tracers = self._plugin_tracing.file_tracers
                data.add_file_tracers({
                    self._stored_name(name): plugin for name, plugin in tracers.items()
                    if self._stored_name(name) in data.measured_files()
                })
        return data

    def _add_unexecuted_files(self, data: CoverageData) -> None:
        """Files of the source directories and packages that never ran count at 0%."""
        if self._selector is None or not (self.config.source):
            return
        measured = data.measured_files()
        candidates = (self._stored_name(p) for p in self._selector.unexecuted_candidates())
        data.touch_files(p for p in candidates if p not in measured)
        if self._plugin_tracing is not None:
            from covcore.filetracers import executable_files

            for path, plugin in executable_files(self._plugin_tracing, self._selector):
                name = self._stored_name(path)
                if name not in measured:
                    data.touch_files([name], plugin=plugin)
        for pkg in self._selector.unimported_sources():
            warn(f"Module {pkg} was never imported.", once_key=f"never-imported:{pkg}", slug="module-not-imported")

    def save(self, quiet: bool = False) -> None:
        """Write the measured data to the data file.

        `quiet`: no warning if nothing was collected.  A process other than
        the run's main one (covcore.process) writes only what it measured.
        """
        self._save_pending = False
        data = self.get_data()
        main = self.main_pid in (0, os.getpid())
        if main:
            self._add_unexecuted_files(data)
        if not data.measured_files():
            if not main:
                return
            if not quiet:
                warn("No data was collected.", once_key="no-data", slug="no-data-collected")
        if not self._saved_once and not self.auto_data and not self.data_suffix:
            # A new measurement replaces what an earlier run left in the file.
            CoverageData(self.data_path).erase()
        data.set_meta("version", __version__)
        if self._core is not None:
            data.set_meta("core", self._core.name)
        if self.run_id:
            data.set_meta("run", self.run_id)
        try:
            data.write()
        except DataLocked as exc:
            # Another process kept the file locked past the busy timeout: the
            # run's data goes to a parallel file of its own, never lost.
            aside = data.write_aside()
            raise DataError(
                f"{exc}; this run's data was saved to '{aside}' instead: "
                "'covcore combine --append' (or the next report) adds it"
            ) from None
        self._saved_once = True

    def _stored_name(self, path: str) -> str:
        """The name `path` is recorded under: relative to the start directory with relative_files."""
        if self.config.relative_files:
            root = os.path.join(self._relative_to, "")
            if path.startswith(root):
                return path[len(root):]
        return path

    def load(self) -> None:
        """Read the data file (for reporting)."""
        self._data = CoverageData(self.data_path, warn=warn)
        self._data.read()
        # Processes of the run that ended after its main one left their files uncombined.
        process.add_run_leftovers(self._data)

    def erase(self) -> None:
        """Delete the data file (and its parallel siblings) and forget collected data."""
        if self._collector is not None:
            self._collector.flush()
        CoverageData(self.data_path, warn=warn).erase(parallel=True)
        self._data = None
        self._saved_once = True

    def combine(
        self, data_paths: Optional[Iterable[str]] = None, keep: bool = False, append: bool = True,
    ) -> list[str]:
        """Combine parallel data files into the data file; returns the files combined.

        `data_paths` are data files (covcore's or coverage.py's) or
        directories to search for ``<data file>.*``.  File names are mapped
        through the ``[paths]`` setting.  With `append` the data file's own
        data is kept; without, the combined files replace it (when any were
        combined).  `keep` leaves the combined files in place.
        """
        data = CoverageData(self.data_path, warn=warn)
        if append:
            data.read()
        from covcore.aliases import PathAliases  # not needed to measure: imported here
        from covcore.combine import combine_parallel_data

        aliases = PathAliases(self.config.paths, relative=self.config.relative_files)
        combined = combine_parallel_data(
            data, data_paths, keep=keep, map_path=aliases.mapper(), replace=not append,
        )
        self._data = data
        return combined

    def combine_for_report(self, keep: bool = False) -> tuple[list[str], dict[str, str]]:
        """Combine the parallel data files next to the data file into it, as
        the reporting commands do before they report (coverage.py 7.14+ too).

        The data file's own data is kept (``combine --append``).  Returns the
        files combined, and each file that could not be combined (unreadable,
        or lines where the data has arcs) with the reason: those stay on
        disk, untouched.  `keep` leaves the combined files in place too.
        """
        from covcore.combine import CombineError, combinable_files

        if not os.path.isdir(os.path.dirname(self.data_path)) or not combinable_files(self.data_path):
            return [], {}
        try:
            combined = self.combine(keep=keep, append=True)
        except CombineError as exc:
            combined, failed = exc.combined, exc.failed
        else:
            failed = {}
        # Reports read the data file again (load()), with what was combined.
        self._data = None
        return combined, failed

    def export(self, outfile: str, format: str = "coverage") -> None:
        """Write the data as another tool's data file: ``coverage`` is coverage.py 7's."""
        from covcore.interop import export_coverage_py

        if format != "coverage":
            raise CovcoreError(f"Unknown export format {format!r} (covcore exports 'coverage')")
        data = self.get_data() if self._collector is not None else self._loaded_data()
        export_coverage_py(data, outfile)

    # -- Reporting --

    #: Reports count only these lines (``report --diff``): real path -> lines; None: all.
    diff_lines: Optional[dict[str, set[int]]] = None

    def _loaded_data(self) -> CoverageData:
        if self._data is None:
            self.load()
        assert self._data is not None
        return self._data

    def analysis(self, filename: str) -> Any:
        """The analysis (statements, missing lines, ...) of one measured file."""
        data = self.get_data() if self._collector is not None else self._loaded_data()
        return self._analyze(data, os.path.realpath(os.path.abspath(filename)))

    def _analyze(self, data: CoverageData, path: str) -> Any:
        plugin = data.file_tracer(path)
        if plugin:
            from covcore.pluginreport import analyze_with_plugin

            analysis = analyze_with_plugin(data, path, plugin, self.plugins)
            if analysis is not None:
                return analysis
        from covcore.results import analyze

        c = self.config
        return analyze(data, path, c.exclude_regexes(), partial_regexes=c.partial_regexes())

    def report(
        self,
        show_missing: Optional[bool] = None,
        include: Optional[Iterable[str]] = None,
        omit: Optional[Iterable[str]] = None,
        file: Optional[IO[str]] = None,
        precision: Optional[int] = None,
        skip_covered: Optional[bool] = None,
        skip_empty: Optional[bool] = None,
        sort: Optional[str] = None,
        output_format: Optional[str] = None,
        ignore_errors: Optional[bool] = None,
    ) -> float:
        """Print the text report (to `file`, default stdout); returns the total percent.

        `output_format` is ``text`` (the default), ``markdown`` or ``total``.
        `ignore_errors` (default ``[report] ignore_errors``) leaves out, with a
        warning, the files whose source is missing or is not Python (as in
        every report method); otherwise such a file is an error.
        """
        from covcore.report_files import analyses
        from covcore.report_text import text_report

        c = self.config
        return text_report(
            analyses(self, include, omit, ignore_errors),
            file or sys.stdout,
            show_missing=c.show_missing if show_missing is None else show_missing,
            precision=c.precision if precision is None else precision,
            skip_covered=c.skip_covered if skip_covered is None else skip_covered,
            skip_empty=c.skip_empty if skip_empty is None else skip_empty,
            sort=c.sort if sort is None else sort,
            relative_to=os.getcwd(),
            output_format=c.format if output_format is None else output_format,
        )

    def json_report(
        self,
        outfile: Optional[str] = None,
        pretty_print: Optional[bool] = None,
        include: Optional[Iterable[str]] = None,
        omit: Optional[Iterable[str]] = None,
        show_contexts: Optional[bool] = None,
        ignore_errors: Optional[bool] = None,
    ) -> float:
        """Write the JSON report (coverage.py's format 3, default ``coverage.json``);
        returns the total percent.  `show_contexts` lists each line's contexts."""
        from covcore.report_files import analyses
        from covcore.report_json import json_report

        c = self.config
        data = self.get_data() if self._collector is not None else self._loaded_data()
        meta = {"core": data.meta().get("core", ""), "branch_coverage": data.has_arcs()}
        return json_report(
            analyses(self, include, omit, ignore_errors), outfile or c.json_output,
            pretty=c.json_pretty_print if pretty_print is None else pretty_print,
            show_contexts=c.json_show_contexts if show_contexts is None else show_contexts, meta=meta,
            precision=c.precision,
        )

    def xml_report(
        self,
        outfile: Optional[str] = None,
        include: Optional[Iterable[str]] = None,
        omit: Optional[Iterable[str]] = None,
        skip_empty: Optional[bool] = None,
        ignore_errors: Optional[bool] = None,
    ) -> float:
        """Write the Cobertura XML report (default ``coverage.xml``); returns the total percent."""
        from covcore.report_files import analyses
        from covcore.report_xml import xml_report

        c = self.config
        return xml_report(
            analyses(self, include, omit, ignore_errors), outfile or c.xml_output, source=c.source,
            package_depth=c.xml_package_depth, skip_empty=c.skip_empty if skip_empty is None else skip_empty,
        )

    def lcov_report(
        self,
        outfile: Optional[str] = None,
        include: Optional[Iterable[str]] = None,
        omit: Optional[Iterable[str]] = None,
        format: Optional[str] = None,
        ignore_errors: Optional[bool] = None,
    ) -> float:
        """Write the LCOV report (default ``coverage.lcov``); returns the total percent.

        `format`: ``coverage`` (coverage.py's records) or ``lcov1`` (for lcov 1.x).
        """
        from covcore.report_files import analyses
        from covcore.report_lcov import lcov_report

        c = self.config
        return lcov_report(
            analyses(self, include, omit, ignore_errors), outfile or c.lcov_output,
            checksums=c.lcov_line_checksums, skip_empty=c.skip_empty, format=format or c.lcov_format,
        )

    def html_report(
        self,
        directory: Optional[str] = None,
        title: Optional[str] = None,
        skip_covered: Optional[bool] = None,
        skip_empty: Optional[bool] = None,
        show_contexts: Optional[bool] = None,
        include: Optional[Iterable[str]] = None,
        omit: Optional[Iterable[str]] = None,
        precision: Optional[int] = None,
        ignore_errors: Optional[bool] = None,
    ) -> float:
        """Write the HTML report (default ``htmlcov/``); returns the total percent.

        A second report into the same directory re-renders only the files
        whose source, data or settings changed (see covcore.report_html).
        """
        from covcore.report_html import HtmlOptions, html_report

        c = self.config
        options = HtmlOptions(
            directory=directory or c.html_dir,
            title=c.html_title if title is None else title,
            skip_covered=_first(skip_covered, c.html_skip_covered, c.skip_covered),
            skip_empty=_first(skip_empty, c.html_skip_empty, c.skip_empty),
            show_contexts=c.show_contexts if show_contexts is None else show_contexts,
            precision=c.precision if precision is None else precision,
            settings=(c.exclude_regexes(), c.partial_regexes()),
            warn=lambda message: warn(message, once_key=message),
        )
        from covcore.report_files import html_report_files

        return html_report_files(self, options, include, omit, _first(ignore_errors, c.ignore_errors))

    def sys_info(self) -> list[tuple[str, str]]:
        """Facts for ``covcore debug sys``."""
        rows = [("covcore version", __version__)]
        rows += cores.describe()
        try:
            c = self.config
            choice = cores.choose_core(c.core, c.timid, self._core_origin, c.concurrency, c.branch)
            rows.append(("chosen core", f"{choice.name} ({choice.reason})"))
        except CovcoreError as exc:
            rows.append(("chosen core", f"none: {exc}"))
        rows.append(("config file", self.config.config_file or "none"))
        if self.plugins is None or not self.plugins.loaded:
            rows.append(("plugins", "none"))
        else:
            # One row a plug-in object, with every kind it was registered as.
            kinds: dict[int, tuple[str, list[str]]] = {}
            for p in self.plugins.loaded:
                kinds.setdefault(id(p.plugin), (p.name, []))[1].append(p.kind)
            rows += [("plugin", f"{name} ({', '.join(ks)})") for name, ks in kinds.values()]
        rows.append(("data file", self.data_path))
        return rows

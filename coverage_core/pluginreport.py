"""Reports on the files coverage.py plug-ins measured, through their FileReporters.

The data names the plug-in that measured a file (``CoverageData.file_tracer``,
recorded by covcore.filetracers).  Its ``file_reporter(filename)`` gives
what the reports need, as coverage.py reads it: the statements
(``lines()``), the excluded lines (``excluded_lines()``), the measured lines
mapped to statements (``translate_lines``), and with branch data the
possible arcs (``arcs()``), ``translate_arcs``, ``exit_counts()`` and
``no_branch_lines()``; the HTML page shows ``source_token_lines()``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Optional

    from covcore.plugins import Registry
    from covcore.results import CoverageDataLike
    from covcore.types import TArc, TLineNo

from covcore.exceptions import NoSource, PluginError
from covcore.plugins import FILE_TRACER, describe_exception
from covcore.results import Analysis, onward_arcs


def file_reporter(path: str, plugin_name: str, registry: Optional[Registry]) -> Any:
    """The FileReporter plug-in `plugin_name` gives for `path`; None when that
    plug-in is not configured now (the file is then reported as Python, as
    coverage.py does).  PluginError if the plug-in gives none or fails."""
    if registry is None:
        return None
    loaded = next((p for p in registry.of_kind(FILE_TRACER) if p.name == plugin_name), None)
    if loaded is None:
        return None
    try:
        reporter = loaded.plugin.file_reporter(path)
    except Exception as exc:
        raise PluginError(f"Plugin {plugin_name!r} failed to give a file reporter for '{path}': "
                          f"{describe_exception(exc)}") from None
    if reporter is None:
        raise PluginError(f"Plugin {plugin_name!r} did not provide a file reporter for '{path}'.")
    return reporter


def analyze_with_plugin(
    data: CoverageDataLike, path: str, plugin_name: str, registry: Optional[Registry], precision: int = 0,
) -> Optional[Analysis]:
    """The analysis of `path`, measured by plug-in `plugin_name`, from its FileReporter
    (None when the plug-in is not configured)."""
    reporter = file_reporter(path, plugin_name, registry)
    if reporter is None:
        return None
    try:
        statements = set(reporter.lines())
        excluded = set(reporter.excluded_lines())
        executed = set(reporter.translate_lines(data.lines(path) or [])) & statements
        has_arcs = data.has_arcs()
        possible: set[TArc] = set()
        arcs_executed: set[TArc] = set()
        exit_counts: dict[TLineNo, int] = {}
        no_branch: set[TLineNo] = set()
        if has_arcs:
            possible = set(reporter.arcs())
            measured = set(reporter.translate_arcs(data.arcs(path) or []))
            arcs_executed = set(reporter.translate_arcs(onward_arcs(measured, possible)))
            exit_counts = dict(reporter.exit_counts())
            no_branch = set(reporter.no_branch_lines())
        num_lines = len(reporter.source().splitlines())
    except (PluginError, NoSource):
        raise
    except Exception as exc:
        if type(exc).__name__ == "NoSource":    # coverage.py's, from a plug-in
            raise NoSource(str(exc)) from None
        raise PluginError(f"Plugin {plugin_name!r} failed reporting on '{path}': {describe_exception(exc)}") from None
    return Analysis(
        filename=path,
        statements=statements,
        excluded=excluded,
        executed=executed,
        has_arcs=has_arcs,
        arc_possibilities=possible,
        arcs_executed=arcs_executed,
        exit_counts=exit_counts,
        no_branch=no_branch,
        precision=precision,
        num_lines=num_lines,
        data=data,
        reporter=reporter,
    )

"""Run one workload under one tool, in this process; the harness times the process.

Runs inside a benchmark virtualenv (never imported by the harness itself)::

    python launch.py --tool covcore-ctrace [--branch] --source DIR \\
        --data-file FILE --report FILE -- script.py ARGS | -m module ARGS

Each tool is driven through its own command-line entry point, as a user
would run it.  The only addition is a timer around the step that writes the
data file (``save()`` for covcore and coverage.py, the exit hook that writes
the JSON file for SlipCover), and the name of the core that really ran; both
go to ``--report`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import sys
import time
from typing import Any, Callable

_report: dict[str, Any] = {"save_seconds": 0.0, "core": None}


def _timed(func: Callable[..., Any], on_call: Callable[[Any], None] | None = None) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if on_call is not None and args:
            on_call(args[0])
        t0 = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            _report["save_seconds"] += time.perf_counter() - t0
    return wrapper


def _peak_rss_kb() -> int | None:
    """This process's peak resident set size since it started the launcher.

    Not wait4's ru_maxrss: Linux keeps there the high-water mark of the
    image replaced by exec, the forked copy of the harness, so a small
    program would read as large as the harness.  VmHWM belongs to the
    memory map exec made.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _write_report(path: str) -> None:
    _report["peak_rss_kb"] = _peak_rss_kb()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(_report, f)


def _empty_rcfile(data_file: str) -> str:
    """An empty settings file: the workload's own coverage settings (plugins,
    exclusions) must not change what is measured, and it is the same for all."""
    path = data_file + ".rc"
    with open(path, "w", encoding="utf-8"):
        pass
    return path


def _run_plain(target: list[str]) -> int:
    if target[0] == "-m":
        sys.argv = target[1:]
        sys.path[0] = os.getcwd()
        runpy.run_module(target[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = target
        sys.path[0] = os.path.dirname(os.path.abspath(target[0]))
        runpy.run_path(target[0], run_name="__main__")
    return 0


def _run_covcore(core: str, branch: bool, source: str, data_file: str, target: list[str]) -> int:
    import covcore.cmdline
    import covcore.control

    def note_core(cov: Any) -> None:
        _report["core"] = cov.core

    covcore.control.Coverage.save = _timed(covcore.control.Coverage.save, note_core)  # type: ignore[method-assign]
    argv = ["run", "--rcfile", _empty_rcfile(data_file), "--core", core, "--source", source,
            "--data-file", data_file]
    if branch:
        argv.append("--branch")
    return covcore.cmdline.main(argv + target)


def _run_coverage(core: str, branch: bool, source: str, data_file: str, target: list[str]) -> int:
    os.environ["COVERAGE_CORE"] = core
    import coverage.cmdline
    import coverage.control

    def note_core(cov: Any) -> None:
        collector = getattr(cov, "_collector", None)
        if collector is not None:
            _report["core"] = {"CTracer": "ctrace", "SysMonitor": "sysmon", "PyTracer": "pytrace"}.get(
                collector.tracer_name(), collector.tracer_name())

    coverage.control.Coverage.save = _timed(coverage.control.Coverage.save, note_core)  # type: ignore[method-assign]
    argv = ["run", "--rcfile", _empty_rcfile(data_file), "--source", source, "--data-file", data_file]
    if branch:
        argv.append("--branch")
    return int(coverage.cmdline.main(argv + target))


def _run_slipcover(branch: bool, source: str, data_file: str, target: list[str]) -> int:
    import atexit

    import slipcover.__main__ as slipmain

    real_register = atexit.register

    def register(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # SlipCover writes its JSON file from an exit hook: time that hook.
        return real_register(_timed(func), *args, **kwargs)

    atexit.register = register  # type: ignore[assignment]
    _report["core"] = "slipcover"
    argv = ["slipcover", "--source", source, "--json", "--out", data_file]
    if branch:
        argv.append("--branch")
    sys.argv = argv + target
    return int(slipmain.main() or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tool", required=True)
    parser.add_argument("--branch", action="store_true")
    parser.add_argument("--source", required=True)
    parser.add_argument("--data-file", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("target", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    target = args.target[1:] if args.target[:1] == ["--"] else args.target
    tool = args.tool
    # This file's folder must not shadow the workload's modules.
    sys.path[0] = os.getcwd()
    import atexit
    # SlipCover saves from an exit hook: registered first, this runs after it.
    # `covcore run` runs the program's exit hooks itself, while measuring and
    # before it saves, so the report is written again once the run is over.
    atexit.register(_write_report, args.report)
    if tool == "plain":
        _report["core"] = "plain"
        return _run_plain(target)
    family, _, core = tool.partition("-")
    if family == "covcore" and core.endswith("-bare"):
        # Without the hooks for the things that cause trouble (see docs/trouble.md).
        os.environ["COVCORE_TROUBLE_HOOKS"] = "0"
        core = core[:-len("-bare")]
    if family == "covcore":
        status = _run_covcore(core, args.branch, args.source, args.data_file, target)
        _write_report(args.report)
        return status
    if family == "coverage":
        status = _run_coverage(core, args.branch, args.source, args.data_file, target)
        _write_report(args.report)
        return status
    if family == "slipcover":
        return _run_slipcover(args.branch, args.source, args.data_file, target)
    raise SystemExit(f"launch.py: unknown tool {tool!r}")


if __name__ == "__main__":
    sys.exit(main())

"""The command line: ``covcore run|report|json|html|xml|lcov|combine|erase|debug``."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    import argparse
    from typing import Any, Optional, Sequence

from covcore import cores, process
from covcore.config import config_items
from covcore.control import Coverage
from covcore.exceptions import CovcoreError, ExitProgram
from covcore.execfile import ProgramRunner, print_exception
from covcore.version import __version__

EXIT_OK, EXIT_ERROR, EXIT_FAIL_UNDER = 0, 1, 2


def _csv(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


def _version_text() -> str:
    ext = cores.ctracer_path()
    ext_text = f"with C extension {ext}" if ext else f"without C extension ({cores.CTRACER_ERROR})"
    return f"covcore {__version__} {ext_text}"


class Args:
    """A command line's arguments, as attributes.

    argparse fills one (the namespace of parse_args()), or _quick_run_args()
    does, for ``covcore run``, without argparse: importing it costs every
    measured process about 2 ms.
    """

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    if TYPE_CHECKING:
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


def _terminal_width() -> int:
    """Columns of the terminal: $COLUMNS, else asked of stdout, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 80
    except (AttributeError, ValueError, OSError):
        return 80


class _Unused:
    """Stands for the parser of a command not being run: its options are not built."""

    def add_argument(self, *args: object, **kwargs: object) -> None:
        pass


def _parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """The command-line parser; with `only`, that command's options alone.

    Building every command's options costs milliseconds that each measured
    process would pay at start-up, for commands it doesn't run.
    """
    import argparse

    class _VersionAction(argparse.Action):
        """Print the version unwrapped (argparse's own action re-wraps the text)."""

        def __call__(self, parser: argparse.ArgumentParser, namespace: object,
                     values: object, option_string: Optional[str] = None) -> None:
            print(_version_text())
            parser.exit()

    class _Formatter(argparse.HelpFormatter):
        """argparse's help formatter, told the terminal width up front.

        Left to itself it imports shutil to ask, whenever a parser or an option
        is made; that import costs every measured process milliseconds.
        """

        def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                     width: Optional[int] = None) -> None:
            super().__init__(prog, indent_increment, max_help_position,
                             width if width is not None else _terminal_width() - 2)

    parser = argparse.ArgumentParser(
        prog="covcore",
        formatter_class=_Formatter,
        description="Measure code coverage of Python programs.",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and the C extension in use")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, **kwargs: Any) -> Any:
        if only is not None and name != only:
            return _Unused()
        return sub.add_parser(name, formatter_class=_Formatter, **kwargs)

    def common(p: Any, data: bool = True) -> None:
        p.add_argument("--rcfile", help="read settings from this file")
        if data:
            p.add_argument("--data-file", help="the data file (default .covcore, or $COVCORE_FILE)")

    def report_opts(p: Any) -> None:
        p.add_argument("--include", type=_csv, help="only files matching these patterns (comma-separated)")
        p.add_argument("--omit", type=_csv, help="leave out files matching these patterns")
        p.add_argument("--fail-under", type=_percentage, help="exit with status 2 if the total is under this")
        p.add_argument("--precision", type=int, help="digits after the decimal point in percents")
        p.add_argument("--contexts", type=_csv, metavar="REGEX,...",
                       help="only data measured in contexts these regexes find")
        p.add_argument("-i", "--ignore-errors", action="store_true",
                       help="leave out, with a warning, files whose source is missing or not Python")
        keep_combined(p)

    def keep_combined(p: Any) -> None:
        p.add_argument("--keep-combined", action="store_true",
                       help="keep the parallel data files combined before reporting (default: delete them)")

    # No abbreviations: the program's own options (--c) must never look like ours.
    run = command("run", help="run a Python program and measure it", allow_abbrev=False)
    common(run)
    run.add_argument("--branch", action="store_true", default=None, help="measure branches (arcs) too")
    run.add_argument("--core", help="tracer core: " + ", ".join(cores.CORE_NAMES))
    run.add_argument("--timid", action="store_true", default=None, help="use the pure-Python tracer")
    run.add_argument("--concurrency", metavar="LIBS",
                     help="the program's concurrency: thread, multiprocessing, greenlet, gevent "
                          "(comma-separated, as coverage.py)")
    run.add_argument("--source", type=_csv, help="measure only these directories or packages")
    run.add_argument("--include", type=_csv, help="measure only files matching these patterns")
    run.add_argument("--omit", type=_csv, help="do not measure files matching these patterns")
    run.add_argument("-p", "--parallel", action="store_true", default=None,
                     help="write a data file of this process's own, to combine later")
    run.add_argument("-a", "--append", action="store_true", help="add to the existing data")
    run.add_argument("--subprocess", action="store_true", default=None,
                     help="measure the Python subprocesses the program starts too")
    run.add_argument("--context", help="record everything under this context label")
    run.add_argument("-m", "--module", action="store_true", help="the program is a module name, like python -m")
    run.add_argument("program", nargs=argparse.REMAINDER, help="the program and its arguments")

    report = command("report", help="print the coverage report")
    common(report)
    report_opts(report)
    report.add_argument("-m", "--show-missing", action="store_true", default=None,
                        help="show the line numbers that did not run")
    report.add_argument("--skip-covered", action="store_true", default=None)
    report.add_argument("--skip-empty", action="store_true", default=None)
    report.add_argument("--sort", help="sort by this column (name, stmts, miss, branch, brpart, cover); '-' to reverse")
    report.add_argument("--format", dest="output_format", help="output format: text (default), markdown, total")
    report.add_argument("--diff", metavar="REV",
                        help="report only the lines changed since git revision REV (--fail-under applies to them)")

    js = command("json", help="write the report as JSON (coverage.py's format 3)")
    common(js)
    report_opts(js)
    js.add_argument("-o", dest="outfile", help="output file (default coverage.json; '-' for stdout)")
    js.add_argument("--pretty-print", action="store_true", default=None)
    js.add_argument("--show-contexts", action="store_true", default=None,
                    help="list the contexts that ran each line")
    js.add_argument("-q", "--quiet", action="store_true", help="don't print where the report went")

    html = command("html", help="write the report as HTML pages (htmlcov/index.html)")
    common(html)
    report_opts(html)
    html.add_argument("-d", "--directory", help="the folder to write (default htmlcov)")
    html.add_argument("--title", help="the title of the pages")
    html.add_argument("--skip-covered", action="store_true", default=None, help="leave out fully covered files")
    html.add_argument("--skip-empty", action="store_true", default=None, help="leave out files without statements")
    html.add_argument("--show-contexts", action="store_true", default=None,
                      help="show the contexts that ran each line (when contexts were measured)")
    html.add_argument("-q", "--quiet", action="store_true", help="don't print where the report went")

    xml = command("xml", help="write the report as Cobertura XML (coverage.xml)")
    common(xml)
    report_opts(xml)
    xml.add_argument("-o", dest="outfile", help="output file (default coverage.xml; '-' for stdout)")
    xml.add_argument("--skip-empty", action="store_true", default=None, help="leave out files without statements")
    xml.add_argument("-q", "--quiet", action="store_true", help="don't print where the report went")

    lcov = command("lcov", help="write the report as LCOV (coverage.lcov)")
    common(lcov)
    report_opts(lcov)
    lcov.add_argument("-o", dest="outfile", help="output file (default coverage.lcov; '-' for stdout)")
    lcov.add_argument("--format", dest="lcov_format", choices=["coverage", "lcov1"],
                      help="records as coverage.py writes them (default; lcov 2.x), or as lcov 1.x reads them")
    lcov.add_argument("-q", "--quiet", action="store_true", help="don't print where the report went")

    comb = command("combine", help="combine parallel data files into one")
    common(comb)
    comb.add_argument("--keep", action="store_true", help="keep the combined files")
    comb.add_argument("-a", "--append", action="store_true",
                      help="add to the data file's data (default: the combined files replace it)")
    comb.add_argument("-q", "--quiet", action="store_true", help="don't list the files combined")
    comb.add_argument("paths", nargs="*", help="data files or directories (default: next to the data file)")

    export = command("export", help="write the data as another tool's data file")
    common(export)
    export.add_argument("--format", dest="export_format", default="coverage", choices=["coverage"],
                        help="coverage: a coverage.py 7 data file (default)")
    export.add_argument("-o", dest="outfile", default=".coverage", help="output file (default .coverage)")
    keep_combined(export)

    erase = command("erase", help="delete the data files")
    common(erase)

    debug = command("debug", help="show information about covcore")
    common(debug)
    debug.add_argument("topic", choices=["sys", "config", "data"])
    return parser


#: ``covcore run``'s options for _quick_run_args (the parser in _parser() says
#: what each means): the flags, and the options that take a value.
_RUN_FLAGS = {
    "--branch": "branch", "--timid": "timid", "-p": "parallel", "--parallel": "parallel",
    "-a": "append", "--append": "append", "--subprocess": "subprocess", "-m": "module", "--module": "module",
}
_RUN_VALUES = {
    "--rcfile": "rcfile", "--data-file": "data_file", "--core": "core", "--concurrency": "concurrency",
    "--source": "source", "--include": "include", "--omit": "omit", "--context": "context",
}
_RUN_LISTS = ("source", "include", "omit")
#: What argparse sets for the options not given.
_RUN_DEFAULTS: dict[str, Any] = {
    "rcfile": None, "data_file": None, "branch": None, "core": None, "timid": None, "concurrency": None,
    "source": None, "include": None, "omit": None, "parallel": None, "append": False, "subprocess": None,
    "context": None, "module": False, "version": None,
}


def _quick_run_args(words: Sequence[str]) -> Optional[Args]:
    """The arguments of a ``covcore run`` command line, read as argparse reads them.

    Only the plain forms: options (``--opt value``, ``--opt=value``, flags
    one by one), then the program and its arguments.  Anything else (help,
    a mistake, ``--``, ``-pa``, a value that starts with ``-``) is None, and
    the parser reads it.  Building the parser costs every measured process
    more than a millisecond; tests/test_cmdline.py checks that both agree.
    """
    if not words or words[0] != "run" or "--" in words:
        return None
    values = dict(_RUN_DEFAULTS)
    i = 1
    while i < len(words) and words[i].startswith("-"):
        word = words[i]
        i += 1
        if word in _RUN_FLAGS:
            values[_RUN_FLAGS[word]] = True
            continue
        option, equals, value = word.partition("=")
        dest = _RUN_VALUES.get(option)
        if dest is None:
            return None
        if not equals:
            if i == len(words) or words[i].startswith("-"):
                return None
            value = words[i]
            i += 1
        values[dest] = _csv(value) if dest in _RUN_LISTS else value
    values["program"] = list(words[i:])
    return Args(command="run", **values)


def _coverage(args: Args, **kwargs: object) -> Coverage:
    return Coverage(
        data_file=getattr(args, "data_file", None),
        config_file=args.rcfile or True,
        **kwargs,  # type: ignore[arg-type]
    )


def _percentage(text: str) -> float:
    """argparse's type for --fail-under."""
    import argparse

    from covcore.results import percentage

    try:
        return percentage(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc) if "percentage" in str(exc) else f"{text!r} is not a number") from None


def _fail_under(cov: Coverage, args: Args, total: float) -> int:
    from covcore.results import fail_under_message, should_fail_under

    threshold = args.fail_under if args.fail_under is not None else cov.config.fail_under
    precision = args.precision if args.precision is not None else cov.config.precision
    if threshold is not None and should_fail_under(total, threshold, precision):
        print("Coverage failure:", fail_under_message(total, threshold, precision))
        return EXIT_FAIL_UNDER
    return EXIT_OK


def _join_threads() -> None:
    """Wait for the program's non-daemon threads, as Python does before it exits.

    That is threading._shutdown(), which Python calls at exit (a second call
    does nothing): it first runs the threading atexit callbacks, which tell
    executor threads (concurrent.futures) to finish, then joins the threads.
    Like Python, nothing to do if threading was never imported.
    """
    threading = sys.modules.get("threading")
    if threading is None:
        return
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
        return
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()


def do_run(args: Args) -> int:
    cov = _coverage(
        args, branch=args.branch, source=args.source, include=args.include, omit=args.omit,
        core=args.core, timid=args.timid, core_origin="--core", concurrency=args.concurrency,
        data_suffix=True if args.parallel else None, auto_data=bool(args.append), context=args.context,
    )
    if not args.program and cov.config.command_line:
        # [run] command_line: what to run when the command line says nothing.
        import shlex

        args.program = shlex.split(cov.config.command_line)
        if args.program[:1] == ["-m"]:
            args.module, args.program = True, args.program[1:]
    if not args.program:
        raise CovcoreError("Nothing to do: give a program to run (covcore run prog.py, or -m module)")
    runner = ProgramRunner(args.program, as_module=args.module)
    runner.prepare()
    if runner.syntax_error is not None:
        # Like Python: the program does not start, so there is nothing to measure.
        print_exception(runner.syntax_error, skip_all_frames=True)
        return EXIT_ERROR
    cov.core   # noqa: B018 - choose the core now, so a bad one stops before the program runs
    if args.subprocess:
        cov.config.subprocess = True
    global _exit_signal
    status = EXIT_OK
    _exit_signal = 0
    cov.start()
    try:
        try:
            runner.run()
        except ExitProgram as exc:
            status = exc.code
            _exit_signal = exc.signum
        # What Python does once the program's main module is done, in the
        # same order, while still measuring.
        _join_threads()
        _run_atexit_handlers(cov)
    finally:
        # Stop, save, and combine the data files of the run's other processes
        # (forked, spawned, exec'd...).
        process.finish(cov, quiet=False)
    return status


#: The signal `covcore run` must die of at the end, as the program would have (0: none).
_exit_signal = 0


def _run_atexit_handlers(cov: Coverage) -> None:
    """Run the program's atexit handlers now, measured, as Python would at exit.

    That includes weakref.finalize callbacks of live objects (they run from
    an atexit handler).  atexit runs them last-registered first, reports
    their exceptions as Python does, and forgets them, so none runs twice.
    covcore's own save-at-exit handlers are left out: finish() saves next.
    """
    import atexit

    atexit.unregister(cov._atexit)
    atexit.unregister(process._save_at_exit)
    atexit._run_exitfuncs()


def do_report(args: Args) -> int:
    cov = _report_cov(args)
    if args.diff:
        from covcore.diffcov import changed_lines

        cov.diff_lines = changed_lines(args.diff)
    total = cov.report(
        show_missing=args.show_missing, include=args.include, omit=args.omit,
        precision=args.precision, skip_covered=args.skip_covered, skip_empty=args.skip_empty,
        sort=args.sort, output_format=args.output_format,
    )
    return _fail_under(cov, args, total)


def _file_report(args: Args, fmt: str) -> int:
    """Write the one-file report `fmt` (``json``, ``xml`` or ``lcov``), then check fail-under.

    The file is -o's, else the one the configuration names; ``-`` is stdout.
    Where it went is said unless it went to stdout or -q was given.
    """
    cov = _report_cov(args)
    config = cov.config
    default = {"json": config.json_output, "xml": config.xml_output, "lcov": config.lcov_output}[fmt]
    outfile = args.outfile or default
    if fmt == "json":
        total = cov.json_report(
            outfile, pretty_print=args.pretty_print, include=args.include, omit=args.omit,
            show_contexts=args.show_contexts,
        )
    elif fmt == "xml":
        total = cov.xml_report(outfile, include=args.include, omit=args.omit, skip_empty=args.skip_empty)
    else:
        total = cov.lcov_report(outfile, include=args.include, omit=args.omit, format=args.lcov_format)
    if outfile != "-" and not args.quiet:
        print(f"Wrote {fmt.upper()} report to {outfile}")
    return _fail_under(cov, args, total)


def do_json(args: Args) -> int:
    return _file_report(args, "json")


def do_xml(args: Args) -> int:
    return _file_report(args, "xml")


def do_lcov(args: Args) -> int:
    return _file_report(args, "lcov")


def _report_cov(args: Args) -> Coverage:
    """The Coverage object of a report command, its data loaded, --precision applied."""
    cov = _coverage(args)
    _combine_first(cov, args)
    cov.load()
    if args.precision is not None:
        cov.config.precision = args.precision
    if args.contexts:
        cov.config.report_contexts = args.contexts
    if args.ignore_errors:
        cov.config.ignore_errors = True
    return cov


def _combine_first(cov: Coverage, args: Args) -> None:
    """Before a report: combine the parallel data files into the data file.

    As coverage.py's reporting commands do, so a ``parallel = true`` run
    reports without an explicit ``covcore combine``.  What was combined is
    one line on stderr (not with -q); a file that could not be combined is
    kept, and named in a warning line of its own.
    """
    from covcore.control import warn

    combined, failed = cov.combine_for_report(keep=bool(getattr(args, "keep_combined", False)))
    for reason in failed.values():
        warn(f"{reason} (the file was kept, not combined)")
    if combined and not getattr(args, "quiet", False):
        sys.stdout.flush()
        count = f"{len(combined)} parallel data file{'s' if len(combined) > 1 else ''}"
        sys.stderr.write(f"Combined {count} into {os.path.relpath(cov.data_path)}\n")
        sys.stderr.flush()


def do_html(args: Args) -> int:
    cov = _report_cov(args)
    total = cov.html_report(
        directory=args.directory, title=args.title, skip_covered=args.skip_covered,
        skip_empty=args.skip_empty, show_contexts=args.show_contexts, include=args.include, omit=args.omit,
    )
    if not args.quiet:
        index = os.path.join(args.directory or cov.config.html_dir, "index.html")
        print(f"Wrote HTML report to {index}")
    return _fail_under(cov, args, total)


def do_combine(args: Args) -> int:
    cov = _coverage(args)
    combined = cov.combine(args.paths or None, keep=args.keep, append=args.append)
    for path in combined if not args.quiet else []:
        print(f"Combined data file {os.path.relpath(path)}")
    if not combined:
        raise CovcoreError("No data to combine")
    return EXIT_OK


def do_export(args: Args) -> int:
    cov = _coverage(args)
    _combine_first(cov, args)
    cov.load()
    cov.export(args.outfile, format=args.export_format)
    print(f"Wrote {args.export_format} data file {args.outfile}")
    return EXIT_OK


def do_erase(args: Args) -> int:
    _coverage(args).erase()
    return EXIT_OK


def do_debug(args: Args) -> int:
    cov = _coverage(args)
    if args.topic == "sys":
        rows = cov.sys_info()
    elif args.topic == "config":
        rows = config_items(cov.config)
    else:
        cov.load()
        data = cov.get_data()
        rows = [("data file", cov.data_path), ("has arcs", str(data.has_arcs()))]
        rows.append(("contexts", str(len(data.measured_contexts() - {""}))))
        rows += sorted((path, f"{len(data.lines(path) or [])} lines") for path in data.measured_files())
    width = max((len(k) for k, _ in rows), default=0)
    for key, value in rows:
        print(f"{key:>{width}}: {value}")
    return EXIT_OK


COMMANDS = {
    "run": do_run, "report": do_report, "json": do_json, "html": do_html, "xml": do_xml, "lcov": do_lcov,
    "combine": do_combine,
    "export": do_export, "erase": do_erase, "debug": do_debug,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    words = sys.argv[1:] if argv is None else list(argv)
    args = _quick_run_args(words)
    if args is None:
        parser = _parser(words[0] if words and words[0] in COMMANDS else None)
        args = parser.parse_args(words, namespace=Args())
        if args.command is None:
            parser.print_help()
            return EXIT_OK
    try:
        return COMMANDS[args.command](args)
    except CovcoreError as exc:
        sys.stdout.flush()
        sys.stderr.write(f"covcore: {exc}\n")
        return EXIT_ERROR
    except OSError as exc:
        # A report's output that can't be written (a directory where the
        # file goes, a path under /proc, a full disk): one line, no traceback.
        sys.stdout.flush()
        # A failed write() names no file: the output the command was writing, then.
        target = exc.filename if exc.filename is not None else _output_of(args)
        where = f" '{target}'" if target is not None else ""
        sys.stderr.write(f"covcore: Couldn't write{where}: {exc.strerror or exc}\n")
        return EXIT_ERROR


def _output_of(args: Args) -> Optional[str]:
    """The output file or directory a command line names, if any."""
    for name in ("outfile", "directory"):
        value = getattr(args, name, None)
        if isinstance(value, str) and value != "-":
            return value
    return None


def entry_point() -> None:
    """The console script: exit with main()'s status (or die of the program's signal)."""
    status = main()
    if _exit_signal:
        _die_of(_exit_signal)
    sys.exit(status)


def _die_of(signum: int) -> None:
    """Kill this process with `signum` and its default action, as Python does after KeyboardInterrupt."""
    import signal

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    except (OSError, ValueError):
        return      # then exit with the status main() gave

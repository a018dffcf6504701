"""Measuring across processes: fork, exec, os._exit, SIGTERM, multiprocessing, subprocesses.

While a :class:`~covcore.control.Coverage` measures (between ``start()`` and
``stop()``), this module keeps its data safe at every process boundary, and
carries measurement into the processes the program makes.  Everything here
runs at those boundaries, never per line.

Roles.  A measured *run* has an id (``Coverage.run_id``) that every process
of the run records in its data file's metadata.  The process that started
measuring is the run's *main* process: it writes the data file itself.
Every other process of the run (a forked child, a multiprocessing worker, a
measured subprocess, an xdist worker) writes a parallel file of its own,
``<data file>.<host>.<pid>.X<random>``.  When the main process ends (``covcore
run`` returning, ``os._exit``, SIGTERM) it combines the parallel files of its
run into the data file; files written later still (by a process that outlived
the main one) are added at report time (:func:`add_run_leftovers`).  With
``--parallel`` nothing is combined automatically: ``covcore combine`` does it.

Hooks, installed by ``start()`` and removed by ``stop()``:

* ``os.register_at_fork``: in the child, the same tracers go on (so the lines
  right after ``os.fork()`` are measured); the data the parent had collected
  is dropped (the parent saves it) and the child gets a new parallel file.
* ``os._exit``: saves first.
* SIGTERM (if its handler is the default): saves, then dies of SIGTERM.
* ``os.execv``/``os.execve`` (every ``exec*`` and POSIX ``spawn*`` goes
  through them): saves first, and passes the settings to the new program in
  the environment variable ``COVCORE_PROCESS``.  The ``covcore.pth`` file
  that the install puts in site-packages calls :func:`startup` in every
  Python process that has the variable, so an exec'd Python program is
  measured; an exec'd main process stays the main one (same pid).
* multiprocessing: see covcore.multiproc.
* subprocesses, only when asked (``--subprocess``, ``[run] subprocess``):
  ``COVCORE_PROCESS`` is put in ``os.environ``, so every Python child (and
  its children) is measured.
"""

from __future__ import annotations

import atexit
import os
import sys
from types import FrameType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    import signal
    from typing import Any, Optional, Sequence
else:
    # The C module behind signal: the same functions, with plain numbers for
    # signals and handlers.  signal itself turns them into enums as it is
    # imported, which costs every measured process most of a millisecond.
    import _signal as signal

from covcore import multiproc

if TYPE_CHECKING:
    from covcore.control import Coverage
    from covcore.data import CoverageData

#: The environment variable that carries the settings into new processes.
ENV_VAR = "COVCORE_PROCESS"
_SETTINGS_VERSION = 1

#: The Coverage measuring this process, between its start() and stop().
_active: Optional["Coverage"] = None
_originals: dict[str, Any] = {}
_fork_hook_registered = False
_env_set_by_us = False
# finish() is saving; a SIGTERM that comes meanwhile waits for it to end.
_finishing = False
_sigterm_pending = False


def new_run_id() -> str:
    """A new id for a measured run."""
    return f"{os.getpid()}.{os.urandom(6).hex()}"


def active() -> Optional["Coverage"]:
    """The Coverage measuring this process, if any."""
    return _active


def _warn(message: str) -> None:
    try:
        sys.stderr.write(f"covcore: warning: {message}\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - stderr may be gone at exit
        pass


# -- Settings for other processes ----------------------------------------------


def settings(cov: "Coverage") -> str:
    """The measurement settings of `cov`, for another process, as text."""
    import json

    c = cov.config
    selector = cov._selector
    return json.dumps({
        "version": _SETTINGS_VERSION,
        "data_file": cov.data_path,
        "parallel": bool(cov.data_suffix),
        "branch": c.branch,
        "source": c.source,
        "include": c.include,
        "omit": c.omit,
        "cwd": selector.cwd if selector is not None else os.getcwd(),
        "core": c.core,
        "timid": c.timid,
        "concurrency": c.concurrency,
        "subprocess": c.subprocess,
        # Contexts: the static label and the dynamic setting go on in every process.
        "context": c.context,
        "dynamic_context": c.dynamic_context,
        "relative_files": c.relative_files,
        "disable_warnings": c.disable_warnings,
        "run": cov.run_id,
        "main_pid": cov.main_pid,
    })


def start_from_settings(text: str, origin: str) -> Optional["Coverage"]:
    """Start measuring this process with settings made by :func:`settings`.

    Does nothing if this process is measured already.  The process is the
    run's main process again if it has the main process's pid (an exec);
    otherwise it writes a parallel file.  Never raises: a problem is one
    warning line, and the program runs unmeasured.
    """
    if _active is not None:
        return None
    import json

    try:
        values = json.loads(text)
        if values.get("version") != _SETTINGS_VERSION:
            raise ValueError(f"settings of version {values.get('version')!r}")
        from covcore.control import Coverage

        main = values["main_pid"] == os.getpid()
        cov = Coverage(
            data_file=values["data_file"],
            data_suffix=True if values["parallel"] or not main else None,
            branch=values["branch"], source=values["source"], include=values["include"],
            omit=values["omit"], core=values["core"] or None, timid=values["timid"],
            config_file=False, core_origin=origin, concurrency=values.get("concurrency", []),
        )
        cov.config.subprocess = bool(values["subprocess"])
        cov.config.context = values.get("context")
        cov.config.dynamic_context = values.get("dynamic_context")
        cov.config.relative_files = bool(values.get("relative_files"))
        cov.config.disable_warnings = list(values.get("disable_warnings", []))
        from covcore.control import set_disabled_warnings

        set_disabled_warnings(cov.config.disable_warnings)
        cov.run_id = values["run"]
        cov.main_pid = values["main_pid"]
        cov.selector_cwd = values["cwd"]
        # The run's data file already holds the run's data: add to it, never erase it.
        cov.keep_existing_data()
        cov.start()
    except Exception as exc:  # noqa: BLE001 - the program must run, measured or not
        _warn(f"couldn't measure this process ({origin}): {exc}")
        return None
    atexit.register(_save_at_exit, cov)
    return cov


def startup() -> None:
    """Measure this process if ``COVCORE_PROCESS`` says so (called by covcore.pth)."""
    text = os.environ.get(ENV_VAR)
    if not text:
        return
    import json

    try:
        subprocess_too = bool(json.loads(text).get("subprocess"))
    except ValueError:
        subprocess_too = False
    if not subprocess_too:
        # Only this program (exec'd by a measured one) is measured, not its children.
        del os.environ[ENV_VAR]
    if _runs_covcore(getattr(sys, "orig_argv", [])):
        return      # covcore itself (covcore run ...) measures what it runs, its own way
    start_from_settings(text, "the COVCORE_PROCESS environment variable")


def _runs_covcore(argv: Sequence[str]) -> bool:
    """Is this process ``python -m covcore ...`` or the ``covcore`` script?"""
    args = list(argv[1:])
    if "-m" in args and args.index("-m") + 1 < len(args):
        return args[args.index("-m") + 1] == "covcore"
    script = next((a for a in args if not a.startswith("-")), "")
    return os.path.basename(script) == "covcore"


def _save_at_exit(cov: "Coverage") -> None:
    if cov._started:
        finish(cov)


# -- Saving and combining ------------------------------------------------------


def save(cov: "Coverage") -> None:
    """Save what `cov` collected, quietly, without stopping (before an exec)."""
    try:
        cov.save(quiet=True)
    except Exception as exc:  # noqa: BLE001 - exec, _exit, signals go on regardless
        _warn(f"couldn't save the data of process {os.getpid()}: {exc}")


def finish(cov: "Coverage", quiet: bool = True) -> None:
    """This process ends: stop, save, and if it is the main process, combine the run.

    A SIGTERM that arrives meanwhile is held until the data is safe, then the
    process dies of it.
    """
    global _finishing
    if _finishing:
        return
    _finishing = True
    try:
        try:
            cov.stop()
        except Exception:  # noqa: BLE001
            pass
        if quiet:
            save(cov)
        else:
            cov.save(quiet=True)   # an error here is the caller's to report
        try:
            end_of_run(cov)
        except Exception as exc:  # noqa: BLE001
            _warn(f"couldn't combine the data files of the run: {exc}")
        if not quiet and not cov.get_data().measured_files():
            from covcore.control import warn

            warn("No data was collected.", once_key="no-data", slug="no-data-collected")
    finally:
        _finishing = False
        _restore_sigterm()
    if _sigterm_pending:
        _die_of_sigterm()


def _run_files(basename: str, run_id: str) -> list[str]:
    """The parallel data files next to `basename` written by processes of run `run_id`."""
    from covcore.datafile import has_data_file_header, named_after

    # Only files that start as data files can be parts of the run.  Anything
    # else named like one (a settings file, say) would cost an SQLite
    # connection to rule out, and the usual run, one process with nothing of
    # the kind beside its data file, doesn't import the combining code at all.
    if not any(has_data_file_header(path) for path in named_after(os.path.abspath(basename))):
        return []
    from covcore.combine import combinable_files
    from covcore.data import CoverageData
    from covcore.exceptions import DataError

    found = []
    for path in combinable_files(basename):
        if not has_data_file_header(path):
            continue
        part = CoverageData(path)
        try:
            part.read()
        except DataError:
            continue
        if part.meta().get("run") == run_id:
            found.append(path)
    return found


def end_of_run(cov: "Coverage") -> list[str]:
    """In the run's main process, after its last save: combine the run's parallel files.

    Returns the files combined.  Not in ``--parallel`` mode, where ``covcore
    combine`` does it; not in other processes.
    """
    if cov.data_suffix or cov.main_pid != os.getpid() or not cov.run_id:
        return []
    paths = _run_files(cov.data_path, cov.run_id)
    return cov.combine(paths) if paths else []


def add_run_leftovers(data: "CoverageData") -> None:
    """Add to `data` (in memory) the parallel files of its run not yet combined.

    A process that outlived the run's main process wrote its file after the
    main process combined; the report still shows its lines.
    """
    run_id = data.meta().get("run")
    if not run_id:
        return
    from covcore.data import CoverageData
    from covcore.exceptions import DataError

    for path in _run_files(data.base_filename(), run_id):
        part = CoverageData(path)
        try:
            part.read()
            data.update(part)
        except DataError as exc:
            _warn(str(exc))


# -- Installing the hooks ------------------------------------------------------


def install(cov: "Coverage") -> None:
    """`cov` starts measuring this process: put the process hooks in place."""
    global _active, _fork_hook_registered, _env_set_by_us
    _active = cov
    if not _fork_hook_registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _fork_hook_registered = True
    if "_exit" not in _originals:
        _originals["_exit"] = os._exit
        os._exit = _exit
    if os.name == "posix" and "execv" not in _originals:
        _originals["execv"], _originals["execve"] = os.execv, os.execve
        os.execv, os.execve = _execv, _execve  # type: ignore[assignment]
    _install_sigterm()
    multiproc.install()
    if cov.config.subprocess and not _env_set_by_us:
        os.environ[ENV_VAR] = settings(cov)
        _env_set_by_us = True
        if not startup_hook_installed():
            _warn_no_startup_hook("subprocesses")


def uninstall(cov: "Coverage") -> None:
    """`cov` stopped: remove the hooks (the fork hook stays, inactive)."""
    global _active, _env_set_by_us
    if _active is not cov:
        return
    _active = None
    for name in ("_exit", "execv", "execve"):
        original = _originals.pop(name, None)
        if original is not None:
            setattr(os, name, original)
    if not _finishing:
        _restore_sigterm()
    multiproc.uninstall()
    if _env_set_by_us:
        os.environ.pop(ENV_VAR, None)
        _env_set_by_us = False


def _in_main_thread() -> bool:
    """Is this the main thread, the one that may set signal handlers?

    Without threading imported (covcore doesn't import it: it costs start-up
    time), signal.signal() itself says so, with a ValueError elsewhere.
    """
    threading = sys.modules.get("threading")
    return threading is None or bool(threading.current_thread() is threading.main_thread())


# -- fork ------------------------------------------------------------------------


def _after_fork_in_child() -> None:
    cov = _active
    if cov is None or not cov._started:
        return
    cov.become_forked_child()
    atexit.register(_save_at_exit, cov)
    if "sigterm" in _originals:
        _watch_sigterm()    # the forking thread is the child's main thread


# -- os._exit and SIGTERM --------------------------------------------------------


def _exit(status: int) -> Any:
    """os._exit while measuring: save (and combine, in the main process), then exit."""
    cov = _active
    original = _originals.get("_exit", os._exit)
    if cov is not None:
        finish(cov)
    original(status)


def _install_sigterm() -> None:
    if "sigterm" in _originals or not hasattr(signal, "SIGTERM") or not _in_main_thread():
        return
    try:
        if signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
            return   # the program handles SIGTERM itself
        _originals["sigterm"] = signal.signal(signal.SIGTERM, _sigterm)
    except (ValueError, OSError):
        return
    _watch_sigterm()


def _watch_sigterm() -> None:
    """Have the C cores run the handler at their next event (see ctracer/sigwatch.h).

    Without it the handler would wait until the program's code next checks
    for signals, which straight-line code never does.
    """
    try:
        from covcore import _ctracer
    except ImportError:
        return      # the Python tracer: its trace function is Python code, which checks
    try:
        _ctracer.watch_sigterm()
    except OSError:
        pass


def _restore_sigterm() -> None:
    handler = _originals.get("sigterm")
    if handler is None or _active is not None or not _in_main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is _sigterm:
        try:
            signal.signal(signal.SIGTERM, handler)
        except ValueError:
            return      # not the main thread after all: the main thread restores it
    del _originals["sigterm"]


def _sigterm(signum: int, frame: Optional[FrameType]) -> None:
    """SIGTERM while measuring: save, then die of SIGTERM as without covcore."""
    global _sigterm_pending
    _sigterm_pending = True
    if _finishing:
        return      # finish() is saving already, and ends with this
    cov = _active
    if cov is not None:
        finish(cov)
    _die_of_sigterm()


def _die_of_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


# -- exec --------------------------------------------------------------------------


def startup_hook_installed() -> bool:
    """Is covcore.pth in this Python's site-packages, to measure the Pythons started from here?"""
    import site
    import sysconfig

    # While site.py processes a venv's .pth files, getsitepackages() still
    # names the base Python's: sysconfig follows sys.prefix, already the venv's.
    paths = sysconfig.get_paths()
    dirs = [paths["purelib"], paths["platlib"], *getattr(site, "getsitepackages", lambda: [])()]
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return any(os.path.exists(os.path.join(d, "covcore.pth")) for d in dirs)


def _warn_no_startup_hook(what: str) -> None:
    from covcore.control import warn

    warn(
        f"{what} can't be measured: covcore.pth is not in this Python's site-packages "
        "(an editable or partial install?); reinstall covcore with pip install",
        once_key="no-startup-hook", slug="no-startup-hook",
    )


def _before_exec(path: Any) -> Optional[str]:
    """Save before the process is replaced; the settings for the new program."""
    cov = _active
    if cov is None:
        return None
    save(cov)
    if _same_python(path) and not startup_hook_installed():
        _warn_no_startup_hook("the exec'd Python program")
    try:
        return settings(cov)
    except Exception:  # noqa: BLE001
        return None


def _same_python(path: Any) -> bool:
    try:
        return os.path.realpath(os.fsdecode(path)) == os.path.realpath(sys.executable)
    except (TypeError, ValueError):
        return False


def _execv(path: Any, argv: Any) -> None:
    """os.execv while measuring."""
    text = _before_exec(path)
    original = _originals.get("execv") or os.execv
    if text is None:
        return original(path, argv)  # type: ignore[no-any-return]
    env = dict(os.environ)
    env[ENV_VAR] = text
    execve = _originals.get("execve") or os.execve
    return execve(path, argv, env)  # type: ignore[no-any-return]


def _execve(path: Any, argv: Any, env: Any) -> None:
    """os.execve while measuring."""
    text = _before_exec(path)
    original = _originals.get("execve") or os.execve
    if text is not None:
        env = dict(env)
        env[ENV_VAR] = text
    return original(path, argv, env)  # type: ignore[no-any-return]

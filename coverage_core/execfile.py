"""Running a program the way ``python prog.py`` or ``python -m mod`` would.

The measured program gets a fresh ``__main__`` module, its own ``sys.argv``
and ``sys.path[0]``; ``sys.exit(N)`` gives exit code N, and an uncaught
exception prints the usual traceback (without covcore's frames) and gives 1
(an uncaught KeyboardInterrupt: death by SIGINT, see ``ExitProgram.signum``).
"""

from __future__ import annotations

import os
import sys
import types

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    import importlib.machinery
    from types import CodeType
    from typing import Any, Optional

from covcore.exceptions import ExitProgram, NoSource

_COVCORE_DIR = os.path.dirname(os.path.abspath(__file__))


class ProgramRunner:
    """Prepares and runs one program (a script path, or a module name with ``-m``)."""

    def __init__(self, args: list[str], as_module: bool = False) -> None:
        self.args = args
        self.as_module = as_module
        self.code: Optional[types.CodeType] = None
        self.module: Optional[types.ModuleType] = None
        self.path0 = ""
        self.spec: Optional[importlib.machinery.ModuleSpec] = None
        #: The program's __main__ module, kept alive after it ran: as under
        #: plain Python, its globals (and the generators or objects in them)
        #: are finalized at interpreter exit, after measuring has stopped, not
        #: when covcore restores its own __main__ (whenever the cyclic garbage
        #: collector would get to them, while still measuring).
        self.main_module: Optional[types.ModuleType] = None
        self.filename = ""
        # A program that does not compile is reported like Python does, when run.
        self.syntax_error: Optional[BaseException] = None

    def prepare(self) -> None:
        """Find and compile the program; NoSource if it is missing."""
        if self.as_module:
            self._prepare_module()
        else:
            self._prepare_script()

    def _prepare_script(self) -> None:
        path = self.args[0]
        if os.path.isdir(path):
            main = os.path.join(path, "__main__.py")
            if not os.path.exists(main):
                raise NoSource(f"Can't find '__main__' module in '{path}'")
            self.path0 = os.path.abspath(path)
            path = main
        else:
            self.path0 = os.path.dirname(os.path.abspath(path))
        if not os.path.exists(path):
            raise NoSource(f"No file to run: '{self.args[0]}'")
        self.filename = os.path.abspath(path)
        try:
            with open(self.filename, "rb") as f:
                source = f.read()
        except OSError as exc:
            raise NoSource(f"Couldn't read '{self.args[0]}': {exc.strerror}") from None
        try:
            self.code = compile(source, self.filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            self.syntax_error = exc
        except ValueError as exc:
            # Before 3.12 compile() calls null bytes a ValueError where `python prog.py`
            # reports a SyntaxError: say it as the interpreter would.
            self.syntax_error = SyntaxError(str(exc), (self.filename, 1, 1, None))

    def _prepare_module(self) -> None:
        name = self.args[0]
        import importlib.util   # here: a script run needn't import it (about 0.5 ms)

        self.path0 = os.getcwd()
        sys.path.insert(0, self.path0)
        try:
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.submodule_search_locations is not None:
                name = name + ".__main__"
                spec = importlib.util.find_spec(name)
        except (ImportError, ValueError) as exc:
            raise NoSource(f"No module named {self.args[0]}: {exc}") from None
        finally:
            del sys.path[0]
        if spec is None or spec.loader is None:
            raise NoSource(f"No module named {self.args[0]}")
        self.spec = spec
        self.filename = spec.origin or name
        get_code = getattr(spec.loader, "get_code", None)
        if get_code is None:
            raise NoSource(f"Can't run module {self.args[0]}: it has no code")
        try:
            self.code = get_code(name)
        except (SyntaxError, ValueError) as exc:
            self.syntax_error = exc
            self.code = None
        if self.code is None and self.syntax_error is None:
            raise NoSource(f"Can't run module {self.args[0]}: it has no code")

    def run(self) -> None:
        """Run the program; ExitProgram(code) if it ends with a non-zero status."""
        old_main = sys.modules["__main__"]
        old_argv = sys.argv
        old_path0 = sys.path[0] if sys.path else None
        main = types.ModuleType("__main__")
        main.__dict__["__builtins__"] = sys.modules["builtins"]
        main.__file__ = self.filename
        if self.spec is not None:
            main.__spec__ = self.spec
            main.__loader__ = self.spec.loader
            main.__package__ = self.spec.parent
            if self.spec.cached:
                main.__dict__["__cached__"] = self.spec.cached
        else:
            main.__spec__ = None
            # importlib.machinery's class, from the import system's own module,
            # loaded at every start (importing importlib.machinery is not free).
            main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", self.filename)
            main.__package__ = None
        sys.modules["__main__"] = main
        self.main_module = main
        sys.argv = [self.filename if self.as_module else self.args[0]] + self.args[1:]
        if sys.path:
            sys.path[0] = self.path0
        else:
            sys.path.append(self.path0)
        try:
            if self.syntax_error is not None:
                print_exception(self.syntax_error, skip_all_frames=True)
                raise ExitProgram(1)
            assert self.code is not None
            _exec_main(self.code, main.__dict__)
        except ExitProgram:
            raise
        except SystemExit as exc:
            status = _exit_code(exc)
            if status:
                raise ExitProgram(status) from None
        except KeyboardInterrupt as exc:
            # Python prints it, finishes (threads, atexit), then kills itself
            # with SIGINT, so that a parent sees the signal (status 130 when
            # it can't).
            print_exception(exc)
            import signal

            raise ExitProgram(130, signal.SIGINT) from None
        except BaseException as exc:
            print_exception(exc)
            raise ExitProgram(1) from None
        finally:
            sys.modules["__main__"] = old_main
            sys.argv = old_argv
            if old_path0 is not None and sys.path:
                sys.path[0] = old_path0


def _exec_main(code: CodeType, namespace: dict[str, Any]) -> None:
    """Run the program's main module code, with no frame of covcore's below it.

    (The C extension's exec_detached: the module frame's f_back is None, as
    under ``python prog.py``, so debuggers, faulthandler and stack walks see
    only the program.  A pure-Python install runs it with exec(), below
    covcore's frames.)
    """
    try:
        from covcore._ctracer import exec_detached
    except ImportError:
        exec(code, namespace)
    else:
        exec_detached(code, namespace)


def _exit_code(exc: SystemExit) -> int:
    """The process exit status Python gives for a SystemExit."""
    code: Any = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")
    return 1


def print_exception(exc: BaseException, skip_all_frames: bool = False) -> None:
    """Print a traceback like Python's, leaving out covcore's own frames."""
    tb = exc.__traceback__
    while tb is not None and (
        skip_all_frames or os.path.dirname(os.path.abspath(tb.tb_frame.f_code.co_filename)) == _COVCORE_DIR
    ):
        tb = tb.tb_next
    exc.__traceback__ = tb
    hook = sys.excepthook
    if hook is sys.__excepthook__:
        import traceback

        sys.stderr.write("".join(traceback.format_exception(type(exc), exc, tb)))
    else:
        hook(type(exc), exc, tb)
    sys.stderr.flush()

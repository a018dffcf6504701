"""Combining: uniting the parallel data files of a run into one.

Parallel runs (``-p``, ``parallel = true``, subprocesses) write one data file
each, ``<basename>.<suffix>``; :func:`combine_parallel_data` finds them,
unites them into a :class:`~covcore.data.CoverageData`, writes it and deletes
them.  Only ``covcore combine`` and the reporting commands need this, so it
is kept out of the modules every measured process imports.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Callable, Iterable

    TWarn = Callable[[str], None]
    TMapPath = Callable[[str], str]

from covcore.data import CoverageData
from covcore.datafile import is_side_file, named_after, remove_file
from covcore.exceptions import DataError

__all__ = ["CombineError", "combinable_files", "combine_lock", "combine_parallel_data", "read_data_file"]


class CombineError(DataError):
    """Some data files could not be combined; they were kept on disk.

    ``combined`` lists the files that were combined (and, unless kept, deleted),
    ``failed`` maps each file that was not combined to the reason.
    """

    def __init__(self, combined: list[str], failed: dict[str, str]) -> None:
        reasons = "; ".join(failed.values())
        if len(failed) == 1:
            message = f"{reasons} (that file was kept and not combined)"
        else:
            message = f"{len(failed)} data files were kept and not combined: {reasons}"
        super().__init__(message)
        self.combined = combined
        self.failed = failed


def combinable_files(basename: str, data_paths: Iterable[str] | None = None) -> list[str]:
    """The sorted absolute paths of the parallel data files to combine.

    Each of `data_paths` is a data file, or a directory searched for
    ``<name of basename>.*``; with none, the basename's own directory is
    searched.  SQLite journals are never included.  A path that doesn't
    exist raises DataError.
    """
    directory, local = os.path.split(os.path.abspath(basename))
    paths = list(data_paths or [directory])
    found: dict[str, str] = {}
    for given in paths:
        if os.path.isfile(given):
            candidates = [os.path.abspath(given)]
        elif os.path.isdir(given):
            candidates = [
                name for name in named_after(os.path.join(os.path.abspath(given), local)) if os.path.isfile(name)
            ]
        else:
            raise DataError(f"Couldn't combine from non-existent path '{given}'")
        for name in candidates:
            if not is_side_file(name):
                found.setdefault(os.path.realpath(name), name)
    return sorted(found.values())


class combine_lock:
    """Hold the lock that makes combines into `basename`'s directory take turns.

    Two processes combining the same files at once would otherwise each read
    a file the other is deleting.  The lock is ``flock`` on the directory
    itself, so no lock file is left behind; where there is no ``flock`` (or
    the directory can't be opened), combining goes on unlocked.  (A class,
    not contextlib's decorator: contextlib would cost every measured process
    its import.)
    """

    def __init__(self, basename: str) -> None:
        self._directory = os.path.dirname(os.path.abspath(basename)) or "."
        self._fd = -1

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on our platforms
            return
        try:
            self._fd = os.open(self._directory, os.O_RDONLY)
        except OSError:
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(self._fd)
            self._fd = -1
            raise

    def __exit__(self, *exc: object) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def read_data_file(path: str, warn: TWarn | None = None) -> CoverageData:
    """The data in `path`: a covcore data file, or a coverage.py 7 one (converted)."""
    part = CoverageData(path, warn=warn)
    try:
        part.read()
    except DataError:
        from covcore import interop

        if not interop.is_coverage_py_file(path):
            raise
        return interop.read_coverage_py(path, warn=warn)
    return part


def combine_parallel_data(
    data: CoverageData,
    data_paths: Iterable[str] | None = None,
    keep: bool = False,
    map_path: TMapPath | None = None,
    replace: bool = False,
) -> list[str]:
    """Unite parallel data files into `data`, save it, and delete them.

    The files are found by :func:`combinable_files`; `data`'s own file is
    skipped.  They may be covcore's or coverage.py's data files.  `map_path`
    renames their measured files (``[paths]``).  Their metadata (``core``,
    ``version``, ``run``) is carried over: see :func:`_merge_meta`.  When any file was
    combined, `data` is written (a union with what its file already holds,
    or with `replace` in place of it), and only after that write succeeded
    are the combined files deleted, unless `keep`.  A file that changed while
    we combined it is kept, with a warning; an empty file (a process that is
    only now writing it) or one that vanished (another combine took it) is
    passed over.  Combines into one directory take turns (:func:`combine_lock`).

    Returns the combined files.  Files that can't be read, or hold lines when
    `data` has arcs (or the reverse), are not combined and never deleted;
    after the others are done, CombineError (a DataError) names them.
    """
    own = os.path.realpath(data.data_filename())
    combined: list[str] = []
    failed: dict[str, str] = {}
    stamps: dict[str, tuple[int, int]] = {}
    with combine_lock(data.base_filename()):
        for path in combinable_files(data.base_filename(), data_paths):
            if os.path.realpath(path) == own:
                continue
            try:
                read = _read_settled(path, data._warn)
                if read is None:
                    continue
                part, stamp = read
                data.update(part, map_path=map_path)
                _merge_meta(data, part)
            except FileNotFoundError:
                continue
            except DataError as exc:
                failed[path] = str(exc)
                continue
            except OSError as exc:
                failed[path] = f"Couldn't read data from '{path}': {exc.strerror}"
                continue
            stamps[path] = stamp
            combined.append(path)
        if combined:
            if replace:
                data.write(replace=True)
            else:
                data.write()
            if not keep:
                for path in combined:
                    _delete_combined(path, stamps[path], data._warn)
    if failed:
        raise CombineError(combined, failed)
    return combined


#: Metadata that says which run a data file belongs to: the combined data
#: keeps its own (or the first combined file's), never a list.
_META_OWN = ("run",)


def _merge_meta(data: CoverageData, part: CoverageData) -> None:
    """Carry `part`'s metadata into `data`, which is combining it.

    A key `data` lacks is taken as it is.  A key whose values differ (files
    measured by two cores, or two covcore versions) lists the values, sorted
    and comma-separated, so the combined data still says what measured it;
    except ``run``, which stays the data's own.
    """
    mine = data._meta
    for key, value in part._meta.items():
        have = mine.get(key)
        if have is None or key in _META_OWN:
            mine.setdefault(key, value)
        elif value != have:
            mine[key] = ", ".join(sorted({*have.split(", "), *value.split(", ")}))


def _read_settled(path: str, warn: TWarn | None) -> tuple[CoverageData, tuple[int, int]] | None:
    """`path`'s data and the (mtime, size) it was read at; None while it is empty.

    A process may be committing the file while we look at it: the stat before
    the read can see a half-written file that SQLite's lock then makes us wait
    out.  A read counts only when the file's stamp is the same before and
    after it, so the stamp kept is the one of the data read.
    """
    for _ in range(_SETTLE_TRIES):
        before = os.stat(path)
        if before.st_size == 0:
            return None
        part = read_data_file(path, warn=warn)
        after = os.stat(path)
        stamp = (after.st_mtime_ns, after.st_size)
        if (before.st_mtime_ns, before.st_size) == stamp:
            return part, stamp
    # Still changing: keep what we read; deletion will see the change and keep the file.
    return part, (before.st_mtime_ns, before.st_size)


_SETTLE_TRIES = 5


def _delete_combined(path: str, stamp: tuple[int, int], warn: TWarn | None) -> None:
    """Delete a combined file, unless it changed since we read it."""
    try:
        stat = os.stat(path)
        if (stat.st_mtime_ns, stat.st_size) != stamp:
            if warn:
                warn(f"Kept data file '{path}': it changed while being combined")
            return
        remove_file(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        if warn:
            warn(f"Couldn't delete combined data file '{path}': {exc.strerror}")

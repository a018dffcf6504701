"""The data store: which lines (or arcs) ran, in which context, kept in one SQLite file.

A :class:`CoverageData` holds the measured data in memory; :meth:`~CoverageData.write`
saves it and :meth:`~CoverageData.read` loads it.  Each measured file has one
row per context it ran in (the empty context "" when none was set), its lines
packed into a bitmap or its arcs into a sorted array of 32-bit pairs
(covcore.numbits).  The file format is described in docs/data-format.md.

Writing never removes anything from a data file: the rows already there are
united with the ones in memory, in one ``BEGIN IMMEDIATE`` transaction, so two
processes writing the same file both keep their data.  Parallel runs write one
file each, ``<basename>.<suffix>``, and :func:`covcore.combine.combine_parallel_data`
unites them.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    import re
    import sqlite3
    from typing import Any, Callable, Iterable, Iterator, Literal, Mapping, Optional
    from covcore.types import TArc, TLineNo
else:
    # sqlite3's C module, which has everything used here: the sqlite3 package
    # adds only the datetime adapters (and the datetime import, ~1 ms for
    # every measured process), which covcore never needs.
    import _sqlite3 as sqlite3

from covcore.datafile import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    auto_suffix,
    check_schema,
    closing,
    context_ids,
    has_data_file_header,
    looks_like_data_file,
    named_after,
    prepare_for_write,
    read_rows,
    remove_file,
    sqlite_uri,
    write_failure,
)
from covcore.exceptions import DataError
from covcore.numbits import (
    MAX_LINENO,
    FormatError,
    decode_arcs,
    decode_lines,
    encode_arcs,
    encode_lines,
    union_bitmaps,
)

__all__ = [
    "APPLICATION_ID", "CoverageData", "DataLocked", "MAX_LINENO", "SCHEMA_VERSION",
    "decode_arcs", "decode_lines", "encode_arcs", "encode_lines", "has_data_file_header",
]

#: The data file name used when the caller gives none.
DEFAULT_BASENAME = ".covcore"
#: Seconds a writer (or reader) waits for another process's lock on the file
#: (SQLite's busy timeout).  Past it, reading fails and a run's data is
#: written to a parallel file instead (:meth:`CoverageData.write_aside`).
#: The tests lower it, from a wrapper that sets it before covcore's command line runs.
BUSY_TIMEOUT = 60.0

if TYPE_CHECKING:
    TMeasure = Literal["lines", "arcs"]
    TWarn = Callable[[str], None]
    #: Maps a file name recorded elsewhere to the name to use here (``[paths]``).
    TMapPath = Callable[[str], str]
    TRows = list[tuple[str, str, bytes]]

_FormatError = FormatError
#: The meta key prefix of a file measured by a coverage.py plug-in: ``tracer:<path>`` -> plug-in name.
_TRACER_KEY = "tracer:"


class DataLocked(DataError):
    """The data file stayed locked by another process for :data:`BUSY_TIMEOUT` seconds."""


def _is_busy(exc: BaseException) -> bool:
    """Did SQLite give up waiting for another connection's lock (SQLITE_BUSY)?"""
    # sqlite_errorname is Python 3.11+; SQLite's message for it is the same everywhere.
    name = getattr(exc, "sqlite_errorname", None)
    return isinstance(exc, sqlite3.OperationalError) and (
        (name or "").startswith("SQLITE_BUSY") or "database is locked" in str(exc)
    )


def _held_locked() -> str:
    """The reason given when the file stayed locked past the busy timeout."""
    return f"another process held it locked for {BUSY_TIMEOUT:g} s"


# -- The data object -------------------------------------------------------


class CoverageData:
    """Measured lines or arcs per file and context, and a little metadata, for one data file.

    `basename` is the data file's name (default ``.covcore``), made absolute
    now.  `suffix` is appended after a dot: a string is used as given, True
    makes a unique one (``<host>.<pid>.X<6 letters>``, chosen again in a forked
    child), None or False means no suffix.  `warn` is called with a message
    for problems that don't stop the work.

    A data object holds either lines or arcs, never both; files recorded with
    :meth:`touch_files` alone fit either.  Data is added in the current
    context (:meth:`set_context`, "" at first); queries unite the contexts,
    or only those :meth:`set_query_contexts` selects.
    """

    def __init__(
        self,
        basename: str | None = None,
        suffix: str | bool | None = None,
        warn: TWarn | None = None,
    ) -> None:
        self._basename = os.path.abspath(DEFAULT_BASENAME if basename is None else basename)
        self._suffix = suffix
        self._auto: tuple[int, str] | None = None  # (pid, suffix) when suffix is True
        self._warn = warn
        self._measure: TMeasure | None = None
        # path -> context -> lines or arcs.  A file touched but never run has no contexts.
        self._files: dict[str, dict[str, set[Any]]] = {}
        self._meta: dict[str, str] = {}
        #: path -> the coverage.py plug-in that measured it (covcore.filetracers).
        self._tracers: dict[str, str] = {}
        self._context = ""
        self._query: list[re.Pattern[str]] | None = None

    def __repr__(self) -> str:
        return (
            f"<CoverageData {self.data_filename()!r}: {len(self)} files, "
            f"{self._measure or 'nothing'} measured>"
        )

    # -- Names --

    def base_filename(self) -> str:
        """The absolute data file name without any suffix."""
        return self._basename

    def data_filename(self) -> str:
        """The absolute path of the file this object reads and writes."""
        suffix = self._suffix
        if suffix is True:
            pid = os.getpid()
            if self._auto is None or self._auto[0] != pid:
                self._auto = (pid, auto_suffix())
            suffix = self._auto[1]
        if suffix:
            return f"{self._basename}.{suffix}"
        return self._basename

    # -- Adding data --

    def set_context(self, context: str | None) -> None:
        """The context that data added from now on ran in ("" or None: no context)."""
        self._context = context or ""

    def current_context(self) -> str:
        """The context data is added in."""
        return self._context

    def _check_measure(self, measure: TMeasure) -> None:
        """Refuse to add `measure` data if this data measures the other thing."""
        if self._measure not in (None, measure):
            raise DataError(
                f"Can't add {measure} to data that has {self._measure} "
                f"(for '{self.data_filename()}'): measure all runs with branch "
                "coverage on, or all with it off"
            )

    def add_lines(self, line_data: Mapping[str, Iterable[TLineNo]], context: str | None = None) -> None:
        """Add executed line numbers, per file, to the data (a union).

        They ran in `context` (default: the current context).
        """
        if not line_data:
            return
        self._check_measure("lines")
        new: dict[str, set[TLineNo]] = {}
        for filename, lines in line_data.items():
            numbers = set(lines)
            if numbers:
                low, high = min(numbers), max(numbers)
                if low < 0 or high > MAX_LINENO:
                    bad = low if low < 0 else high
                    raise DataError(f"Line number {bad} for '{filename}' is out of range")
            new[filename] = numbers
        self._measure = "lines"
        self._merge(new, self._context if context is None else context)

    def add_arcs(self, arc_data: Mapping[str, Iterable[TArc]], context: str | None = None) -> None:
        """Add executed arcs ``(from, to)``, per file, to the data (a union).

        They ran in `context` (default: the current context).
        """
        if not arc_data:
            return
        self._check_measure("arcs")
        new = {filename: set(arcs) for filename, arcs in arc_data.items()}
        self._measure = "arcs"
        self._merge(new, self._context if context is None else context)

    def _merge(self, new: Mapping[str, set[Any]], context: str) -> None:
        """Unite `new` (per file) into `context`, taking ownership of new's sets."""
        for filename, items in new.items():
            contexts = self._files.setdefault(filename, {})
            if not items:
                continue
            have = contexts.get(context)
            if have is None:
                contexts[context] = items
            else:
                have |= items

    def touch_files(self, filenames: Iterable[str], plugin: str | None = None) -> None:
        """Record files as measured even if none of their lines ran (by `plugin`, if given)."""
        for filename in filenames:
            self._files.setdefault(filename, {})
            if plugin:
                self._tracers.setdefault(filename, plugin)

    def add_file_tracers(self, tracers: Mapping[str, str]) -> None:
        """Record which coverage.py plug-in measured each file (file -> plug-in name).

        The files must be measured already (DataError otherwise), and a file
        keeps the plug-in it was first recorded with (DataError for another).
        """
        for filename, plugin in tracers.items():
            if filename not in self._files:
                raise DataError(f"Can't record a plug-in for '{filename}': it isn't measured")
            have = self._tracers.setdefault(filename, plugin)
            if have != plugin:
                raise DataError(f"Conflicting plug-ins for '{filename}': {have!r} and {plugin!r}")

    def file_tracer(self, filename: str) -> str | None:
        """The plug-in that measured `filename`: its name, "" for Python code, None if not measured."""
        if filename not in self._files:
            return None
        return self._tracers.get(filename, "")

    def update(self, other: CoverageData, map_path: TMapPath | None = None) -> None:
        """Unite another data object's files, contexts, lines and arcs into this one.

        `map_path` renames other's files (``[paths]`` remapping).  Metadata is
        not copied (combining carries it over, see :func:`combine_parallel_data`).  Line data and arc data can't be mixed: that raises
        DataError and leaves this object unchanged.
        """
        if other._measure is not None and self._measure not in (None, other._measure):
            raise DataError(
                f"Can't combine {other._measure} from '{other.data_filename()}' with "
                f"{self._measure} in '{self.data_filename()}': measure all runs with "
                "branch coverage on, or all with it off"
            )
        if other._measure is not None:
            self._measure = other._measure
        for filename, contexts in other._files.items():
            name = map_path(filename) if map_path is not None else filename
            mine = self._files.setdefault(name, {})
            plugin = other._tracers.get(filename)
            if plugin:
                self._tracers.setdefault(name, plugin)
            for context, items in contexts.items():
                have = mine.get(context)
                if have is None:
                    mine[context] = set(items)
                else:
                    have |= items

    # -- Metadata --

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata entry (such as "core", "version" or "when")."""
        self._meta[key] = value

    def meta(self) -> dict[str, str]:
        """A copy of the metadata."""
        return dict(self._meta)

    # -- Querying --

    def set_query_contexts(self, regexes: Iterable[str] | None) -> None:
        """Limit :meth:`lines`, :meth:`arcs` and :meth:`contexts_by_lineno` to
        the contexts one of `regexes` finds (``re.search``); None or no
        regexes: every context.  A bad regex raises DataError.
        """
        patterns = list(regexes or ())
        if not patterns:
            self._query = None
            return
        import re   # at first use: a measured process starts without it

        compiled = []
        for pattern in patterns:
            try:
                compiled.append(re.compile(pattern))
            except re.error as exc:
                raise DataError(f"Invalid context regex {pattern!r}: {exc}") from None
        self._query = compiled

    def _wanted(self, context: str) -> bool:
        return self._query is None or any(p.search(context) for p in self._query)

    def measured_files(self) -> set[str]:
        """The names of the files that have data, even if no line of them ran."""
        return set(self._files)

    def measured_contexts(self) -> set[str]:
        """The contexts anything ran in ("" is the empty context)."""
        return {context for contexts in self._files.values() for context, items in contexts.items() if items}

    def has_arcs(self) -> bool:
        """Does this data hold arcs (rather than lines)?"""
        return self._measure == "arcs"

    def _united(self, filename: str) -> set[Any] | None:
        contexts = self._files.get(filename)
        if contexts is None:
            return None
        wanted = [items for context, items in contexts.items() if self._wanted(context)]
        if len(wanted) == 1:
            return wanted[0]
        return set().union(*wanted)

    def lines(self, filename: str) -> list[TLineNo] | None:
        """The sorted lines that ran in `filename`, or None if it isn't measured.

        With arc data, the lines are every positive end of every arc.
        """
        items = self._united(filename)
        if items is None:
            return None
        if self._measure == "arcs":
            numbers = {start for start, _ in items} | {end for _, end in items}
            return sorted(number for number in numbers if number > 0)
        return sorted(items)

    def measured_items(self, filename: str) -> set[Any] | None:
        """The lines (line data) or arcs (arc data) of `filename`, unsorted;
        None if it isn't measured.  The set may be the data's own: don't change it."""
        return self._united(filename)

    def arcs(self, filename: str) -> list[TArc] | None:
        """The sorted arcs of `filename`; None if it isn't measured or data is lines."""
        if self._measure != "arcs":
            return None
        items = self._united(filename)
        return None if items is None else sorted(items)

    def contexts_by_lineno(self, filename: str) -> dict[TLineNo, list[str]]:
        """Line -> the sorted contexts that ran it ("" is the empty context).

        With arc data, a line ran in a context when an arc of that context
        starts or ends on it.  This is the hook the reports use to show
        which tests ran each line.
        """
        by_line: dict[TLineNo, set[str]] = {}
        for context, items in self._files.get(filename, {}).items():
            if not self._wanted(context):
                continue
            if self._measure == "arcs":
                lines = {n for arc in items for n in arc if n > 0}
            else:
                lines = items
            for line in lines:
                by_line.setdefault(line, set()).add(context)
        return {line: sorted(by_line[line]) for line in sorted(by_line)}

    def items_by_context(self, filename: str) -> dict[str, set[Any]]:
        """Context -> the lines (or arcs) of `filename` that ran in it, for
        every context (whatever :meth:`set_query_contexts` selects)."""
        return {context: set(items) for context, items in self._files.get(filename, {}).items()}

    def __len__(self) -> int:
        return len(self._files)

    def __bool__(self) -> bool:
        return len(self) > 0

    # -- Files --

    def _reset(self) -> None:
        """Forget all data and metadata."""
        self._measure = None
        self._files, self._meta, self._tracers = {}, {}, {}

    def read(self) -> None:
        """Replace this object's data with the data file's; no file is empty data.

        A file that isn't a covcore data file of a schema we read raises DataError.
        """
        path = self.data_filename()
        if not os.path.exists(path):
            self._reset()
            return
        try:
            # mode=rw never creates a file, but can roll back a crashed writer's
            # journal; SQLite opens read-only when the file is write-protected.
            with closing(sqlite3.connect(sqlite_uri(path, "rw"), uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)) as con:
                con.execute("BEGIN")  # One snapshot, even if a writer commits meanwhile.
                measure, rows, meta = read_rows(con)
                con.execute("COMMIT")
            decode = decode_arcs if measure == "arcs" else decode_lines
            files: dict[str, dict[str, set[Any]]] = {}
            for name, context, blob in rows:
                contexts = files.setdefault(name, {})
                if blob:
                    contexts[context] = set(decode(blob))
        except (sqlite3.Error, _FormatError) as exc:
            if not os.path.exists(path):
                self._reset()
                return
            if _is_busy(exc):
                raise DataLocked(f"Couldn't read data from '{path}': {_held_locked()}") from None
            raise DataError(f"Couldn't read data from '{path}': {exc}") from None
        self._reset()
        tracers = {key[len(_TRACER_KEY):]: meta.pop(key) for key in list(meta) if key.startswith(_TRACER_KEY)}
        self._measure, self._meta, self._files, self._tracers = measure, meta, files, tracers

    def _encoded(self) -> list[tuple[str, str, bytes]]:
        """Every (path, context, blob) to store; a touched file is one empty blob."""
        encode = encode_arcs if self._measure == "arcs" else encode_lines
        rows = []
        for name, contexts in self._files.items():
            if not contexts:
                rows.append((name, "", b""))
            for context, items in contexts.items():
                rows.append((name, context, encode(items)))
        return rows

    def write(self, replace: bool = False) -> None:
        """Save this object's data into its file, in one transaction.

        The file is created if needed.  Data already in the file is kept: each
        file's lines (or arcs) in each context become the union of the stored
        and the new ones, and the metadata keys set here replace the stored
        ones.  With `replace`, the file's data is replaced instead.
        """
        path = self.data_filename()
        # Encode before touching the disk, so bad data can't leave a half file.
        try:
            rows = self._encoded()
        except ValueError as exc:
            raise DataError(f"Couldn't write data to '{path}': {exc}") from None
        self._refuse_special_file(path)
        try:
            # A data file in a directory that isn't there yet: made, as
            # coverage.py does, rather than losing the run's data.
            parent = os.path.dirname(path)
            if parent and not os.path.exists(parent):
                os.makedirs(parent, exist_ok=True)
            with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)) as con:
                # No fsync: the write stays one transaction, safe against other
                # processes and against this one dying; only a crash of the
                # machine itself could lose it.  The syncs cost every measured
                # process tens of milliseconds at exit on some file systems.
                con.execute("PRAGMA synchronous = OFF")
                con.execute("BEGIN IMMEDIATE")
                try:
                    if replace and check_schema(con):
                        for table in ("file", "context", "measure", "meta"):
                            con.execute(f"DELETE FROM {table}")
                    self._write_locked(con, rows)
                    con.execute("COMMIT")
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    raise
        except _FormatError as exc:
            raise DataError(f"Couldn't write data to '{path}': {exc}") from None
        except (sqlite3.Error, OSError) as exc:
            if _is_busy(exc):
                raise DataLocked(f"Couldn't write data to '{path}': {_held_locked()}") from None
            reason = write_failure(path, exc)
            raise DataError(f"Couldn't write data to '{path}': {reason}") from None

    def write_aside(self) -> str:
        """Save this object's data into a new parallel file next to its own; returns its path.

        For data whose own file stayed locked (:class:`DataLocked`): the run
        is not lost, and ``covcore combine --append`` adds it to the data file.
        """
        aside = CoverageData(self._basename, suffix=True, warn=self._warn)
        aside._measure, aside._files, aside._meta, aside._tracers = (
            self._measure, self._files, self._meta, self._tracers)
        aside.write()
        return aside.data_filename()

    def _write_locked(self, con: sqlite3.Connection, rows: list[tuple[str, str, bytes]]) -> None:
        """Unite `rows` and the metadata into the database, already locked."""
        fresh, stored = prepare_for_write(con)
        measure = self._measure
        if measure is not None and stored not in (None, measure):
            raise _FormatError(f"it holds {stored} and this data has {measure}")
        if measure is not None and stored is None:
            con.execute("INSERT INTO measure (only_row, kind) VALUES (1, ?)", (measure,))
        ids = context_ids(con, (context for _, context, _ in rows))
        out: list[tuple[str, int, bytes]] = []
        for name, context, blob in rows:
            cid = ids[context]
            if not fresh:
                row = con.execute(
                    "SELECT data FROM file WHERE path = ? AND context_id = ?", (name, cid)
                ).fetchone()
                if row is not None:
                    if not isinstance(row[0], bytes):
                        raise _FormatError(f"the row for '{name}' isn't a blob")
                    if not blob or blob == row[0]:
                        continue
                    blob = self._unite(blob, row[0])
            out.append((name, cid, blob))
        con.executemany("INSERT OR REPLACE INTO file (path, context_id, data) VALUES (?, ?, ?)", out)
        tracers = ((_TRACER_KEY + name, plugin) for name, plugin in self._tracers.items())
        con.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", sorted([*self._meta.items(), *tracers])
        )

    def _unite(self, blob: bytes, stored: bytes) -> bytes:
        """A blob holding both our data (`blob`) and the `stored` data."""
        if self._measure == "lines":
            return union_bitmaps(blob, stored)
        if not stored:
            return blob
        return encode_arcs(set(decode_arcs(blob)) | set(decode_arcs(stored)))

    def check_writable(self) -> None:
        """Raise DataError now if the data file exists and isn't one covcore may write.

        Said before measuring starts, so that a run isn't measured for nothing
        (and another tool's file is never touched).
        """
        path = self.data_filename()
        self._refuse_special_file(path)
        if os.path.isdir(path):
            raise DataError(f"Couldn't write data to '{path}': it is a directory")
        if os.path.isfile(path) and not looks_like_data_file(path):
            raise DataError(f"Couldn't write data to '{path}': it isn't a covcore data file")

    @staticmethod
    def _refuse_special_file(path: str) -> None:
        """Raise DataError if `path` is a device, a FIFO or a socket: SQLite would replace it."""
        if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
            raise DataError(f"Couldn't write data to '{path}': it isn't a regular file")

    def erase(self, parallel: bool = False) -> None:
        """Forget all data and delete the data file.

        With `parallel`, also delete every ``<basename>.*`` file next to it.
        Only SQLite files, empty files and journals are deleted; any other
        file matching the pattern is left alone, with a warning.
        """
        self._reset()
        path = self.data_filename()
        doomed = [path, path + "-journal"]
        if parallel:
            doomed += sorted(named_after(self._basename))
        for name in doomed:
            special = os.path.exists(name) and not os.path.isfile(name)
            if special or (os.path.isfile(name) and not looks_like_data_file(name)):
                if self._warn:
                    self._warn(f"Not erasing '{name}': it isn't a covcore data file")
                continue
            try:
                remove_file(name)
            except OSError as exc:
                raise DataError(f"Couldn't erase data file '{name}': {exc.strerror}") from None

"""The data store: which lines (or arcs) ran, kept in one SQLite file.

A :class:`CoverageData` holds the measured data in memory; :meth:`~CoverageData.write`
saves it and :meth:`~CoverageData.read` loads it.  Each measured file is one row,
its lines packed into a bitmap or its arcs into a sorted array of 32-bit pairs.
The file format is described in docs/data-format.md.

Writing never removes anything from a data file: the rows already there are
united with the ones in memory, in one ``BEGIN IMMEDIATE`` transaction, so two
processes writing the same file both keep their data.  Parallel runs write one
file each, ``<basename>.<suffix>``, and :func:`combine_parallel_data` unites them.
"""

from __future__ import annotations

import array
import glob
import itertools
import os
import secrets
import socket
import sqlite3
import string
import sys
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping

from covcore.exceptions import DataError
from covcore.types import TArc, TLineNo

#: The data file name used when the caller gives none.
DEFAULT_BASENAME = ".covcore"
#: The version of the layout described in docs/data-format.md.  Files with
#: another version are refused, never guessed at.
SCHEMA_VERSION = 1
#: ``PRAGMA application_id`` of every covcore data file: "CovC" in ASCII.
APPLICATION_ID = 0x436F7643
#: Seconds a writer (or reader) waits for another process's lock on the file.
BUSY_TIMEOUT = 60.0
#: The largest line number that can be stored (arcs are 32-bit signed pairs).
MAX_LINENO = 2**31 - 1

TMeasure = Literal["lines", "arcs"]
TWarn = Callable[[str], None]

_SQLITE_HEADER = b"SQLite format 3\x00"
# Files SQLite may keep next to a database; never data files themselves.
_SIDE_FILE_ENDINGS = ("-journal", "-wal", "-shm")
_SCHEMA = (
    """CREATE TABLE measure (
        only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
        kind TEXT NOT NULL CHECK (kind IN ('lines', 'arcs'))
    )""",
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE file (
        path TEXT PRIMARY KEY NOT NULL,
        data BLOB NOT NULL
    ) WITHOUT ROWID""",
)


def _int32_typecode() -> str:
    """The array typecode whose items are 4 bytes on this platform."""
    for code in ("i", "l"):
        if array.array(code).itemsize == 4:
            return code
    raise ImportError("covcore needs a C integer type of 4 bytes")  # pragma: no cover


_INT32 = _int32_typecode()
_BIG_ENDIAN = sys.byteorder == "big"
# _BITS[b] is the positions of the bits set in the byte b, lowest first.
_BITS = [tuple(bit for bit in range(8) if byte >> bit & 1) for byte in range(256)]


class _FormatError(Exception):
    """A data file is not one this covcore can use; the text says why."""


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


# -- Encoding --------------------------------------------------------------


def encode_lines(lines: Iterable[TLineNo]) -> bytes:
    """Pack line numbers into a bitmap: bit ``n % 8`` of byte ``n // 8`` is line n.

    The bitmap ends at the byte holding the highest line, so no lines is ``b""``.
    Line numbers must be in ``0..MAX_LINENO``, else ValueError.
    """
    numbers = lines if isinstance(lines, (set, frozenset)) else set(lines)
    if not numbers:
        return b""
    low, high = min(numbers), max(numbers)
    if low < 0 or high > MAX_LINENO:
        raise ValueError(f"line number {low if low < 0 else high} is out of range")
    bitmap = bytearray((high >> 3) + 1)
    for number in numbers:
        bitmap[number >> 3] |= 1 << (number & 7)
    return bytes(bitmap)


def decode_lines(blob: bytes) -> list[TLineNo]:
    """Unpack a bitmap made by :func:`encode_lines` into sorted line numbers."""
    lines: list[TLineNo] = []
    for index, byte in enumerate(blob):
        if byte:
            base = index << 3
            lines.extend([base + bit for bit in _BITS[byte]])
    return lines


def _union_bitmaps(one: bytes, two: bytes) -> bytes:
    """The bitmap of the lines in either of two bitmaps."""
    size = max(len(one), len(two))
    both = int.from_bytes(one, "little") | int.from_bytes(two, "little")
    return both.to_bytes(size, "little")


def encode_arcs(arcs: Iterable[TArc]) -> bytes:
    """Pack arcs as sorted pairs of little-endian signed 32-bit integers.

    No arcs is ``b""``; duplicates are stored once.  Line numbers outside the
    32-bit signed range, or arcs that aren't pairs, raise ValueError.
    """
    unique = arcs if isinstance(arcs, (set, frozenset)) else set(arcs)
    try:
        packed = array.array(_INT32, itertools.chain.from_iterable(sorted(unique)))
    except OverflowError as exc:
        raise ValueError(f"an arc has a line number out of range ({exc})") from None
    if len(packed) != 2 * len(unique):
        raise ValueError("every arc must be a pair of line numbers")
    if _BIG_ENDIAN:  # pragma: no cover - our platforms are little-endian
        packed.byteswap()
    return packed.tobytes()


def decode_arcs(blob: bytes) -> list[TArc]:
    """Unpack a blob made by :func:`encode_arcs` into its sorted arcs."""
    if len(blob) % 8:
        raise _FormatError(f"an arc record has {len(blob)} bytes, not a multiple of 8")
    numbers = array.array(_INT32)
    numbers.frombytes(blob)
    if _BIG_ENDIAN:  # pragma: no cover
        numbers.byteswap()
    pairs = iter(numbers)
    return list(zip(pairs, pairs))


# -- Helpers ---------------------------------------------------------------


def _auto_suffix() -> str:
    """A parallel-file suffix unique to this host, process and moment."""
    letters = string.ascii_letters
    rolls = "".join(secrets.choice(letters) for _ in range(6))
    return f"{socket.gethostname()}.{os.getpid()}.X{rolls}"


def _is_side_file(path: str) -> bool:
    """Is this a journal or other file SQLite keeps next to a database?"""
    return path.endswith(_SIDE_FILE_ENDINGS)


def _looks_like_data_file(path: str) -> bool:
    """May erase() delete this file: an SQLite database, empty, or a journal?"""
    if _is_side_file(path):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(len(_SQLITE_HEADER))
    except OSError:
        return False
    return head in (b"", _SQLITE_HEADER)


def _write_failure(path: str, exc: BaseException) -> str:
    """Say, as plainly as we can, why `path` couldn't be written."""
    parent = os.path.dirname(path)
    if not os.path.exists(parent):
        return f"the directory '{parent}' doesn't exist"
    if not os.path.isdir(parent):
        return f"'{parent}' isn't a directory"
    if os.path.isdir(path):
        return "it is a directory"
    target = path if os.path.exists(path) else parent
    if not os.access(target, os.W_OK):
        return "permission denied"
    return str(exc) or type(exc).__name__


def _remove(path: str) -> None:
    """Delete a file; a missing one is fine, anything else raises OSError."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _check_schema(con: sqlite3.Connection) -> bool:
    """Check that an open database is a covcore data file of our schema.

    Returns False for a database with no tables at all (a new, empty file),
    True for ours; raises _FormatError for anything else.
    """
    app_id = con.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID:
        tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == 0 and tables == 0:
            return False
        raise _FormatError("it isn't a covcore data file")
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        raise _FormatError(
            f"it has schema version {version}, this covcore uses version "
            f"{SCHEMA_VERSION}; erase it and measure again"
        )
    return True


def _stored_measure(con: sqlite3.Connection) -> TMeasure | None:
    """What a data file of our schema measures, if anything yet."""
    row = con.execute("SELECT kind FROM measure").fetchone()
    if row is None:
        return None
    if row[0] == "lines":
        return "lines"
    if row[0] == "arcs":
        return "arcs"
    raise _FormatError(f"its measure {row[0]!r} is neither 'lines' nor 'arcs'")


def _read_file(
    con: sqlite3.Connection,
) -> tuple[TMeasure | None, dict[str, bytes], dict[str, str]]:
    """Read the measure, the per-file blobs and the metadata of an open file."""
    if not _check_schema(con):
        return None, {}, {}
    measure = _stored_measure(con)
    blobs: dict[str, bytes] = {}
    for path, blob in con.execute("SELECT path, data FROM file"):
        if not isinstance(path, str) or not isinstance(blob, bytes):
            raise _FormatError("a file row isn't a path and a blob")
        blobs[path] = blob
    if measure is None and any(blobs.values()):
        raise _FormatError("it has measured data but no measure")
    meta = {str(key): str(value) for key, value in con.execute("SELECT key, value FROM meta")}
    return measure, blobs, meta


def _prepare_for_write(con: sqlite3.Connection) -> tuple[bool, TMeasure | None]:
    """Make sure an open, locked database has our schema, creating it if empty.

    Returns (fresh, measure): fresh is True when the tables were just made.
    """
    if _check_schema(con):
        return False, _stored_measure(con)
    for statement in _SCHEMA:
        con.execute(statement)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return True, None


# -- The data object -------------------------------------------------------


class CoverageData:
    """Measured lines or arcs per file, and a little metadata, for one data file.

    `basename` is the data file's name (default ``.covcore``), made absolute
    now.  `suffix` is appended after a dot: a string is used as given, True
    makes a unique one (``<host>.<pid>.X<6 letters>``, chosen again in a forked
    child), None or False means no suffix.  `warn` is called with a message
    for problems that don't stop the work.

    A data object holds either lines or arcs, never both; files recorded with
    :meth:`touch_files` alone fit either.
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
        # While the measure is None, every file is in _lines with an empty set.
        self._lines: dict[str, set[TLineNo]] = {}
        self._arcs: dict[str, set[TArc]] = {}
        self._meta: dict[str, str] = {}

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
                self._auto = (pid, _auto_suffix())
            suffix = self._auto[1]
        if suffix:
            return f"{self._basename}.{suffix}"
        return self._basename

    # -- Adding data --

    def _check_measure(self, measure: TMeasure) -> None:
        """Refuse to add `measure` data if this data measures the other thing."""
        if self._measure not in (None, measure):
            raise DataError(
                f"Can't add {measure} to data that has {self._measure} "
                f"(for '{self.data_filename()}'): measure all runs with branch "
                "coverage on, or all with it off"
            )

    def _set_measure(self, measure: TMeasure) -> None:
        """Fix what this data measures (checked already by _check_measure)."""
        if self._measure is None and measure == "arcs":
            self._arcs = {name: set() for name in self._lines}
            self._lines = {}
        self._measure = measure

    def add_lines(self, line_data: Mapping[str, Iterable[TLineNo]]) -> None:
        """Add executed line numbers, per file, to the data (a union)."""
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
        self._set_measure("lines")
        self._merge(self._lines, new)

    def add_arcs(self, arc_data: Mapping[str, Iterable[TArc]]) -> None:
        """Add executed arcs ``(from, to)``, per file, to the data (a union)."""
        if not arc_data:
            return
        self._check_measure("arcs")
        new = {filename: set(arcs) for filename, arcs in arc_data.items()}
        self._set_measure("arcs")
        self._merge(self._arcs, new)

    @staticmethod
    def _merge(mine: dict[str, set[Any]], new: Mapping[str, set[Any]]) -> None:
        """Unite `new` into `mine`, taking ownership of new's sets."""
        for filename, items in new.items():
            have = mine.get(filename)
            if have is None:
                mine[filename] = items
            else:
                have |= items

    def touch_files(self, filenames: Iterable[str]) -> None:
        """Record files as measured even if none of their lines ran."""
        files: dict[str, Any] = self._arcs if self._measure == "arcs" else self._lines
        for filename in filenames:
            files.setdefault(filename, set())

    def update(self, other: CoverageData) -> None:
        """Unite another data object's files, lines and arcs into this one.

        Metadata is not copied.  Line data and arc data can't be mixed: that
        raises DataError and leaves this object unchanged.
        """
        if other._measure is None:
            self.touch_files(other._lines)
            return
        if self._measure not in (None, other._measure):
            raise DataError(
                f"Can't combine {other._measure} from '{other.data_filename()}' with "
                f"{self._measure} in '{self.data_filename()}': measure all runs with "
                "branch coverage on, or all with it off"
            )
        self._set_measure(other._measure)
        if other._measure == "arcs":
            self._merge(self._arcs, {name: set(arcs) for name, arcs in other._arcs.items()})
        else:
            self._merge(self._lines, {name: set(ls) for name, ls in other._lines.items()})

    # -- Metadata --

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata entry (such as "core", "version" or "when")."""
        self._meta[key] = value

    def meta(self) -> dict[str, str]:
        """A copy of the metadata."""
        return dict(self._meta)

    # -- Querying --

    def measured_files(self) -> set[str]:
        """The names of the files that have data, even if no line of them ran."""
        return set(self._arcs if self._measure == "arcs" else self._lines)

    def has_arcs(self) -> bool:
        """Does this data hold arcs (rather than lines)?"""
        return self._measure == "arcs"

    def lines(self, filename: str) -> list[TLineNo] | None:
        """The sorted lines that ran in `filename`, or None if it isn't measured.

        With arc data, the lines are every positive end of every arc.
        """
        if self._measure == "arcs":
            arcs = self._arcs.get(filename)
            if arcs is None:
                return None
            numbers = {start for start, _ in arcs} | {end for _, end in arcs}
            return sorted(number for number in numbers if number > 0)
        lines = self._lines.get(filename)
        return None if lines is None else sorted(lines)

    def arcs(self, filename: str) -> list[TArc] | None:
        """The sorted arcs of `filename`; None if it isn't measured or data is lines."""
        if self._measure != "arcs":
            return None
        arcs = self._arcs.get(filename)
        return None if arcs is None else sorted(arcs)

    def __len__(self) -> int:
        return len(self._arcs if self._measure == "arcs" else self._lines)

    def __bool__(self) -> bool:
        return len(self) > 0

    # -- Files --

    def _reset(self) -> None:
        """Forget all data and metadata."""
        self._measure = None
        self._lines, self._arcs, self._meta = {}, {}, {}

    def read(self) -> None:
        """Replace this object's data with the data file's; no file is empty data.

        A file that isn't a covcore data file of this schema raises DataError.
        """
        path = self.data_filename()
        if not os.path.exists(path):
            self._reset()
            return
        try:
            # mode=rw never creates a file, but can roll back a crashed writer's
            # journal; SQLite opens read-only when the file is write-protected.
            uri = Path(path).as_uri() + "?mode=rw"
            with closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)) as con:
                con.execute("BEGIN")  # One snapshot, even if a writer commits meanwhile.
                measure, blobs, meta = _read_file(con)
                con.execute("COMMIT")
            if measure == "arcs":
                arcs = {name: set(decode_arcs(blob)) for name, blob in blobs.items()}
            else:
                lines = {name: set(decode_lines(blob)) for name, blob in blobs.items()}
        except (sqlite3.Error, _FormatError) as exc:
            if not os.path.exists(path):
                self._reset()
                return
            raise DataError(f"Couldn't read data from '{path}': {exc}") from None
        self._reset()
        self._measure, self._meta = measure, meta
        if measure == "arcs":
            self._arcs = arcs
        else:
            self._lines = lines

    def write(self) -> None:
        """Save this object's data into its file, in one transaction.

        The file is created if needed.  Data already in the file is kept: each
        file's lines (or arcs) become the union of the stored and the new ones,
        and the metadata keys set here replace the stored ones.
        """
        path = self.data_filename()
        # Encode before touching the disk, so bad data can't leave a half file.
        try:
            if self._measure == "arcs":
                blobs = {name: encode_arcs(arcs) for name, arcs in self._arcs.items()}
            else:
                blobs = {name: encode_lines(lines) for name, lines in self._lines.items()}
        except ValueError as exc:
            raise DataError(f"Couldn't write data to '{path}': {exc}") from None
        try:
            with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)) as con:
                con.execute("BEGIN IMMEDIATE")
                try:
                    self._write_locked(con, blobs)
                    con.execute("COMMIT")
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    raise
        except _FormatError as exc:
            raise DataError(f"Couldn't write data to '{path}': {exc}") from None
        except (sqlite3.Error, OSError) as exc:
            reason = _write_failure(path, exc)
            raise DataError(f"Couldn't write data to '{path}': {reason}") from None

    def _write_locked(self, con: sqlite3.Connection, blobs: dict[str, bytes]) -> None:
        """Unite `blobs` and the metadata into the database, already locked."""
        fresh, stored = _prepare_for_write(con)
        measure = self._measure
        if measure is not None and stored not in (None, measure):
            raise _FormatError(f"it holds {stored} and this data has {measure}")
        if measure is not None and stored is None:
            con.execute("INSERT INTO measure (only_row, kind) VALUES (1, ?)", (measure,))
        rows: list[tuple[str, bytes]] = []
        for name, blob in blobs.items():
            if not fresh:
                row = con.execute("SELECT data FROM file WHERE path = ?", (name,)).fetchone()
                if row is not None:
                    if not isinstance(row[0], bytes):
                        raise _FormatError(f"the row for '{name}' isn't a blob")
                    if not blob or blob == row[0]:
                        continue
                    blob = self._unite(name, blob, row[0])
            rows.append((name, blob))
        con.executemany("INSERT OR REPLACE INTO file (path, data) VALUES (?, ?)", rows)
        con.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", sorted(self._meta.items())
        )

    def _unite(self, name: str, blob: bytes, stored: bytes) -> bytes:
        """The blob for `name` holding both our data (`blob`) and the `stored` data."""
        if self._measure == "lines":
            return _union_bitmaps(blob, stored)
        if not stored:
            return blob
        theirs = set(decode_arcs(stored))
        ours = self._arcs[name]
        return blob if theirs <= ours else encode_arcs(ours | theirs)

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
            doomed += sorted(glob.glob(glob.escape(self._basename) + ".*"))
        for name in doomed:
            if os.path.isfile(name) and not _looks_like_data_file(name):
                if self._warn:
                    self._warn(f"Not erasing '{name}': it isn't a covcore data file")
                continue
            try:
                _remove(name)
            except OSError as exc:
                raise DataError(f"Couldn't erase data file '{name}': {exc.strerror}") from None


# -- Combining -------------------------------------------------------------


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
            pattern = glob.escape(os.path.join(os.path.abspath(given), local)) + ".*"
            candidates = [name for name in glob.glob(pattern) if os.path.isfile(name)]
        else:
            raise DataError(f"Couldn't combine from non-existent path '{given}'")
        for name in candidates:
            if not _is_side_file(name):
                found.setdefault(os.path.realpath(name), name)
    return sorted(found.values())


def combine_parallel_data(
    data: CoverageData,
    data_paths: Iterable[str] | None = None,
    keep: bool = False,
) -> list[str]:
    """Unite parallel data files into `data`, save it, and delete them.

    The files are found by :func:`combinable_files`; `data`'s own file is
    skipped.  When any file was combined, `data` is written (a union with
    what its file already holds), and only after that write succeeded are
    the combined files deleted, unless `keep`.  A file that changed while
    we combined it is kept, with a warning.

    Returns the combined files.  Files that can't be read, or hold lines when
    `data` has arcs (or the reverse), are not combined and never deleted;
    after the others are done, CombineError (a DataError) names them.
    """
    own = os.path.realpath(data.data_filename())
    combined: list[str] = []
    failed: dict[str, str] = {}
    stamps: dict[str, tuple[int, int]] = {}
    for path in combinable_files(data.base_filename(), data_paths):
        if os.path.realpath(path) == own:
            continue
        part = CoverageData(path, warn=data._warn)
        try:
            stat = os.stat(path)
            part.read()
            data.update(part)
        except DataError as exc:
            failed[path] = str(exc)
            continue
        except OSError as exc:
            failed[path] = f"Couldn't read data from '{path}': {exc.strerror}"
            continue
        stamps[path] = (stat.st_mtime_ns, stat.st_size)
        combined.append(path)
    if combined:
        data.write()
        if not keep:
            for path in combined:
                _delete_combined(path, stamps[path], data._warn)
    if failed:
        raise CombineError(combined, failed)
    return combined


def _delete_combined(path: str, stamp: tuple[int, int], warn: TWarn | None) -> None:
    """Delete a combined file, unless it changed since we read it."""
    try:
        stat = os.stat(path)
        if (stat.st_mtime_ns, stat.st_size) != stamp:
            if warn:
                warn(f"Kept data file '{path}': it changed while being combined")
            return
        _remove(path)
    except OSError as exc:
        if warn:
            warn(f"Couldn't delete combined data file '{path}': {exc.strerror}")

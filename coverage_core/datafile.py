"""The SQLite file under covcore's data: its schema, how one is recognized,
its rows read and made ready for a write, and the files around it
(parallel-file suffixes, SQLite's journals, why a write failed).

:mod:`covcore.data` builds :class:`~covcore.data.CoverageData` on these;
the layout itself is described in docs/data-format.md.
"""

from __future__ import annotations

import errno
import os

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    import sqlite3
    from typing import Iterable, Literal

    TMeasure = Literal["lines", "arcs"]
    TRows = list[tuple[str, str, bytes]]
else:
    import _sqlite3 as sqlite3  # see covcore.data

from covcore.numbits import FormatError

#: The version of the layout described in docs/data-format.md.  Version 1
#: files (no contexts) are read, and upgraded when written to; other
#: versions are refused, never guessed at.
SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)
#: ``PRAGMA application_id`` of every covcore data file: "CovC" in ASCII.
APPLICATION_ID = 0x436F7643

SQLITE_HEADER = b"SQLite format 3\x00"
# Files SQLite may keep next to a database; never data files themselves.
SIDE_FILE_ENDINGS = ("-journal", "-wal", "-shm")
SCHEMA = (
    """CREATE TABLE measure (
        only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
        kind TEXT NOT NULL CHECK (kind IN ('lines', 'arcs'))
    )""",
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) WITHOUT ROWID""",
    """CREATE TABLE context (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    )""",
    """CREATE TABLE file (
        path TEXT NOT NULL,
        context_id INTEGER NOT NULL REFERENCES context (id),
        data BLOB NOT NULL,
        PRIMARY KEY (path, context_id)
    ) WITHOUT ROWID""",
)
# Turns a version 1 file (one row per path, no contexts) into version 2.
UPGRADE_FROM_1 = (
    "ALTER TABLE file RENAME TO file_v1",
    SCHEMA[2],
    SCHEMA[3],
    "INSERT INTO context (id, name) VALUES (1, '')",
    "INSERT INTO file (path, context_id, data) SELECT path, 1, data FROM file_v1",
    "DROP TABLE file_v1",
)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def auto_suffix() -> str:
    """A parallel-file suffix unique to this host, process and moment."""
    # os.uname and os.urandom rather than socket and secrets: those modules
    # cost milliseconds of start-up in every measured process.
    rolls = "".join(_LETTERS[byte % len(_LETTERS)] for byte in os.urandom(6))
    return f"{hostname()}.{os.getpid()}.X{rolls}"


def hostname() -> str:
    """This machine's network name."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import platform  # Windows
    return platform.node()


def is_side_file(path: str) -> bool:
    """Is this a journal or other file SQLite keeps next to a database?"""
    return path.endswith(SIDE_FILE_ENDINGS)


def has_data_file_header(path: str) -> bool:
    """Does the file start as a covcore data file does (SQLite, covcore's application id)?

    A quick test from the first 72 bytes, without SQLite: a file that fails
    it can't be read as data.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(72)
    except OSError:
        return False
    return head.startswith(SQLITE_HEADER) and int.from_bytes(head[68:72], "big") == APPLICATION_ID


def looks_like_data_file(path: str) -> bool:
    """May erase() delete this file: a covcore data file, an empty file or database, or a journal?

    Another tool's SQLite database (coverage.py's ``.coverage``, say) is
    never deleted: its application id, in the file's header, is not ours.
    """
    if is_side_file(path):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError:
        return False
    if head == b"":
        return True
    if not head.startswith(SQLITE_HEADER) or len(head) < 72:
        return False
    app_id = int.from_bytes(head[68:72], "big")
    if app_id == APPLICATION_ID:
        return True
    if app_id != 0:
        return False
    # No application id: erasable only if it holds no tables (a new, empty database).
    try:
        with closing(sqlite3.connect(path)) as con:
            return bool(con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0)
    except sqlite3.Error:
        return False


def write_failure(path: str, exc: BaseException) -> str:
    """Say, as plainly as we can, why `path` couldn't be written."""
    parent = os.path.dirname(path)
    if not os.path.exists(parent):
        return f"the directory '{parent}' doesn't exist"
    if not os.path.isdir(parent):
        return f"'{parent}' isn't a directory"
    if os.path.isdir(path):
        return "it is a directory"
    target = path if os.path.exists(path) else parent
    if getattr(exc, "errno", None) == errno.ENOSPC or "disk is full" in str(exc):
        return "no space left on device"
    if read_only_fs(target or "."):
        return "it is on a read-only file system"
    if not os.access(target, os.W_OK):
        return "permission denied"
    return str(exc) or type(exc).__name__


def read_only_fs(path: str) -> bool:
    """Whether `path` is on a file system mounted read-only (os.access says only 'no')."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


#: Bytes a path keeps as they are in an SQLite URI; every other is %-escaped.
_URI_PLAIN = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")


def sqlite_uri(path: str, mode: str) -> str:
    """The SQLite URI of the file `path`, opened with ``mode`` (``ro``, ``rw``).

    Written here because ``pathlib``'s ``as_uri()`` imports ``urllib.request``
    (with ``http.client`` and ``email``) on 3.14: 20 ms to read one data file.
    """
    raw = os.fsencode(os.path.abspath(path))
    quoted = "".join(chr(b) if b in _URI_PLAIN else f"%{b:02X}" for b in raw)
    return f"file://{quoted}?mode={mode}"


def named_after(basename: str) -> list[str]:
    """The paths ``<basename>.*``, unsorted: what ``glob`` would find, without
    its import (and its regex) in every measured process."""
    directory, local = os.path.split(basename)
    prefix = os.path.normcase(local + ".")
    try:
        with os.scandir(directory or os.curdir) as scan:
            return [os.path.join(directory, entry.name) for entry in scan
                    if os.path.normcase(entry.name).startswith(prefix)]
    except OSError:
        return []


def remove_file(path: str) -> None:
    """Delete a file; a missing one is fine, anything else raises OSError."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def check_schema(con: sqlite3.Connection) -> int:
    """Check that an open database is a covcore data file we can read.

    Returns its schema version, or 0 for a database with no tables at all
    (a new, empty file); raises FormatError for anything else.
    """
    app_id = con.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID:
        tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == 0 and tables == 0:
            return 0
        raise FormatError("it isn't a covcore data file")
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version not in READABLE_VERSIONS:
        raise FormatError(
            f"it has schema version {version}, this covcore uses version "
            f"{SCHEMA_VERSION}; erase it and measure again"
        )
    return int(version)


def stored_measure(con: sqlite3.Connection) -> TMeasure | None:
    """What a data file of our schema measures, if anything yet."""
    row = con.execute("SELECT kind FROM measure").fetchone()
    if row is None:
        return None
    if row[0] == "lines":
        return "lines"
    if row[0] == "arcs":
        return "arcs"
    raise FormatError(f"its measure {row[0]!r} is neither 'lines' nor 'arcs'")


def read_rows(con: sqlite3.Connection) -> tuple[TMeasure | None, TRows, dict[str, str]]:
    """Read the measure, the (path, context, blob) rows and the metadata of an open file."""
    version = check_schema(con)
    if not version:
        return None, [], {}
    measure = stored_measure(con)
    if version == 1:
        query = "SELECT path, '', data FROM file"
    else:
        query = "SELECT f.path, c.name, f.data FROM file f JOIN context c ON c.id = f.context_id"
    rows: TRows = []
    for path, context, blob in con.execute(query):
        if not isinstance(path, str) or not isinstance(context, str) or not isinstance(blob, bytes):
            raise FormatError("a file row isn't a path, a context and a blob")
        rows.append((path, context, blob))
    if measure is None and any(blob for _, _, blob in rows):
        raise FormatError("it has measured data but no measure")
    meta = {str(key): str(value) for key, value in con.execute("SELECT key, value FROM meta")}
    return measure, rows, meta


def prepare_for_write(con: sqlite3.Connection) -> tuple[bool, TMeasure | None]:
    """Make sure an open, locked database has our schema, creating it if empty.

    A version 1 file is upgraded (its rows get the empty context).
    Returns (fresh, measure): fresh is True when the tables were just made.
    """
    version = check_schema(con)
    if version == SCHEMA_VERSION:
        return False, stored_measure(con)
    statements = UPGRADE_FROM_1 if version == 1 else SCHEMA
    for statement in statements:
        con.execute(statement)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return version == 0, stored_measure(con) if version == 1 else None


def context_ids(con: sqlite3.Connection, names: Iterable[str]) -> dict[str, int]:
    """The ids of context `names` in an open, locked file, adding the new ones."""
    con.executemany("INSERT OR IGNORE INTO context (name) VALUES (?)", [(name,) for name in set(names)])
    return {str(name): int(cid) for cid, name in con.execute("SELECT id, name FROM context")}


class closing:
    """contextlib.closing for a connection, without contextlib (its import costs start-up time)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self._con = con

    def __enter__(self) -> sqlite3.Connection:
        return self._con

    def __exit__(self, *exc: object) -> None:
        self._con.close()

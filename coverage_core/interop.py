"""coverage.py's data files: reading them, and writing ours in their format.

``covcore export --format coverage`` writes a coverage.py 7 data file (its
SQLite schema version 7), so ``coverage report``, ``coverage html``,
``coverage xml`` and coverage.py's plugins and services work from data covcore
measured.  ``covcore combine`` reads coverage.py 7 data files too, so runs
measured by either tool can be combined.

coverage.py's layout, as far as it matters here: a ``coverage_schema`` table
with the version; ``meta`` (key, value) with ``has_arcs`` "0" or "1";
``file`` (id, path); ``context`` (id, context); ``line_bits`` (file_id,
context_id, numbits), where numbits is the same bitmap covcore stores
(covcore.numbits); or ``arc`` (file_id, context_id, fromno, tono), one row
per arc; and ``tracer`` (file_id, tracer) for files measured by plugins.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from typing import TYPE_CHECKING, Any, Optional

from covcore.data import CoverageData
from covcore.datafile import SQLITE_HEADER, has_data_file_header, sqlite_uri, write_failure

if TYPE_CHECKING:
    from covcore.data import TWarn
from covcore.exceptions import DataError
from covcore.numbits import FormatError, decode_lines, encode_lines
from covcore.version import __version__

#: The schema version of coverage.py 7's data files.
COVERAGE_PY_SCHEMA = 7


# coverage.py 7's tables, as its SQLite data files have them.
_COVERAGE_PY_SCHEMA = """
CREATE TABLE coverage_schema (
    version integer
);
CREATE TABLE meta (
    key text,
    value text,
    unique (key)
);
CREATE TABLE file (
    id integer primary key,
    path text,
    unique (path)
);
CREATE TABLE context (
    id integer primary key,
    context text,
    unique (context)
);
CREATE TABLE line_bits (
    file_id integer,
    context_id integer,
    numbits blob,
    foreign key (file_id) references file (id),
    foreign key (context_id) references context (id),
    unique (file_id, context_id)
);
CREATE TABLE arc (
    file_id integer,
    context_id integer,
    fromno integer,
    tono integer,
    foreign key (file_id) references file (id),
    foreign key (context_id) references context (id),
    unique (file_id, context_id, fromno, tono)
);
CREATE TABLE tracer (
    file_id integer primary key,
    tracer text,
    foreign key (file_id) references file (id)
);
"""


def is_coverage_py_file(path: str) -> bool:
    """Is `path` an SQLite database with coverage.py's ``coverage_schema`` table?"""
    try:
        with open(path, "rb") as f:
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return False
        uri = sqlite_uri(path, "ro")
        with closing(sqlite3.connect(uri, uri=True)) as con:
            row = con.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'coverage_schema'"
            ).fetchone()
        return bool(row and row[0])
    except (OSError, sqlite3.Error):
        return False


def read_coverage_py(path: str, warn: Optional[TWarn] = None) -> CoverageData:
    """The data of a coverage.py 7 data file, in memory (named after `path`).

    Files measured by coverage.py plugins (templates, ``.pyx`` files) keep
    the plug-in's name (``CoverageData.file_tracer``).  A file of another
    schema raises DataError.
    """
    data = CoverageData(path, warn=warn)
    uri = sqlite_uri(path, "ro")
    try:
        with closing(sqlite3.connect(uri, uri=True)) as con:
            con.execute("BEGIN")
            row = con.execute("SELECT version FROM coverage_schema").fetchone()
            version = row[0] if row else None
            if version != COVERAGE_PY_SCHEMA:
                raise FormatError(
                    f"it is a coverage.py data file of schema {version}, covcore reads schema {COVERAGE_PY_SCHEMA} "
                    "(coverage.py 6.x and 7.x)"
                )
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            files = dict(con.execute("SELECT id, path FROM file").fetchall())
            contexts = dict(con.execute("SELECT id, context FROM context").fetchall())
            plugin_files = {
                files[fid]: str(tracer) for fid, tracer in con.execute("SELECT file_id, tracer FROM tracer")
                if tracer and fid in files
            }
            has_arcs = str(meta.get("has_arcs", "0")) not in ("0", "")
            data.touch_files(files.values())
            if has_arcs:
                arcs: dict[tuple[str, str], set[tuple[int, int]]] = {}
                for fid, cid, fromno, tono in con.execute("SELECT file_id, context_id, fromno, tono FROM arc"):
                    key = (files[fid], contexts.get(cid, ""))
                    arcs.setdefault(key, set()).add((int(fromno), int(tono)))
                for (name, context), items in arcs.items():
                    data.add_arcs({name: items}, context=context)
            else:
                for fid, cid, numbits in con.execute("SELECT file_id, context_id, numbits FROM line_bits"):
                    data.add_lines({files[fid]: decode_lines(bytes(numbits))}, context=contexts.get(cid, ""))
            con.execute("COMMIT")
    except (sqlite3.Error, FormatError, KeyError, TypeError, ValueError) as exc:
        raise DataError(f"Couldn't read data from '{path}': {exc}") from None
    data.add_file_tracers(plugin_files)
    data.set_meta("coverage.py", str(meta.get("version", "")))
    return data


def export_coverage_py(data: CoverageData, outfile: str) -> None:
    """Write `data` (every context) as a coverage.py 7 data file `outfile`.

    The file is written beside its final name and moved into place, so a
    reader never sees half of it; an existing file is replaced.
    """
    outfile = os.path.abspath(outfile)
    directory = os.path.dirname(outfile)
    if os.path.isdir(outfile):
        raise DataError(f"Couldn't write data to '{outfile}': it is a directory")
    # Only a coverage.py data file is replaced: never covcore's own data
    # (which would become unreadable to covcore), a source file, or a device.
    if os.path.exists(outfile):
        if has_data_file_header(outfile):
            raise DataError(f"Couldn't write data to '{outfile}': it is covcore's data file, not coverage.py's")
        if not os.path.isfile(outfile) or (os.path.getsize(outfile) > 0 and not is_coverage_py_file(outfile)):
            raise DataError(f"Couldn't write data to '{outfile}': it exists and isn't a coverage.py data file")
    if not data.measured_files():
        raise DataError("No data to export.")
    if not os.path.isdir(directory):
        raise DataError(f"Couldn't write data to '{outfile}': the directory '{directory}' doesn't exist")
    try:
        fd, temp = tempfile.mkstemp(prefix=os.path.basename(outfile) + ".", suffix=".tmp", dir=directory)
        os.close(fd)
        try:
            with closing(sqlite3.connect(temp, isolation_level=None)) as con:
                con.execute("BEGIN")
                _fill(con, data)
                con.execute("COMMIT")
            os.replace(temp, outfile)
        except BaseException:
            if os.path.exists(temp):
                os.remove(temp)
            raise
    except (OSError, sqlite3.Error) as exc:
        raise DataError(f"Couldn't write data to '{outfile}': {write_failure(outfile, exc)}") from None


def _fill(con: sqlite3.Connection, data: CoverageData) -> None:
    """Create coverage.py's tables in an empty database and store `data` in them."""
    for statement in _COVERAGE_PY_SCHEMA.split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute("INSERT INTO coverage_schema (version) VALUES (?)", (COVERAGE_PY_SCHEMA,))
    meta: list[tuple[str, Any]] = [("version", f"covcore {__version__}")]
    files = sorted(data.measured_files())
    by_context = {name: data.items_by_context(name) for name in files}
    contexts = sorted({context for items in by_context.values() for context in items})
    if contexts:
        meta.append(("has_arcs", str(int(data.has_arcs()))))
    con.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta)
    con.executemany("INSERT INTO file (id, path) VALUES (?, ?)", list(enumerate(files, 1)))
    context_ids = {name: cid for cid, name in enumerate(contexts, 1)}
    con.executemany("INSERT INTO context (id, context) VALUES (?, ?)", [(cid, n) for n, cid in context_ids.items()])
    con.executemany(
        "INSERT INTO tracer (file_id, tracer) VALUES (?, ?)",
        [(file_id, data.file_tracer(name)) for file_id, name in enumerate(files, 1) if data.file_tracer(name)],
    )
    for file_id, name in enumerate(files, 1):
        for context, items in sorted(by_context[name].items()):
            cid = context_ids[context]
            if data.has_arcs():
                con.executemany(
                    "INSERT INTO arc (file_id, context_id, fromno, tono) VALUES (?, ?, ?, ?)",
                    [(file_id, cid, start, end) for start, end in sorted(items)],
                )
            else:
                con.execute(
                    "INSERT INTO line_bits (file_id, context_id, numbits) VALUES (?, ?, ?)",
                    (file_id, cid, encode_lines(items)),
                )

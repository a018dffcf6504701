"""Tests of covcore.data: the SQLite data store and the combining of parallel files."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import covcore.data
from covcore.combine import CombineError, combinable_files, combine_parallel_data
from covcore.data import (
    APPLICATION_ID,
    CoverageData,
    decode_arcs,
    decode_lines,
    encode_arcs,
    encode_lines,
    has_data_file_header,
)
from covcore.exceptions import DataError

ARCS_A = [(-1, 1), (1, 2), (2, 3), (3, -1), (-5, 6), (6, 9), (9, -5)]
# The directory that holds the covcore package, for subprocesses.
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(covcore.data.__file__)))


def _data(tmp_path: Path, name: str = ".covcore", **kwargs: object) -> CoverageData:
    return CoverageData(str(tmp_path / name), **kwargs)  # type: ignore[arg-type]


def _written(path: Path, lines: dict[str, list[int]] | None = None, arcs: dict[str, list[tuple[int, int]]] | None = None) -> Path:
    data = CoverageData(str(path))
    if lines is not None:
        data.add_lines(lines)
    if arcs is not None:
        data.add_arcs(arcs)
    data.write()
    return path


def _reread(path: str | Path) -> CoverageData:
    data = CoverageData(str(path))
    data.read()
    return data


# -- Encoding --


def test_lines_bitmap_layout() -> None:
    assert encode_lines([]) == b""
    assert encode_lines([0, 1, 9]) == bytes([0b11, 0b10])
    assert decode_lines(bytes([0b11, 0b10])) == [0, 1, 9]


def test_lines_bitmap_round_trips_large_numbers() -> None:
    lines = [1, 7, 8, 1000, 65_537]
    assert decode_lines(encode_lines(lines)) == lines


def test_arcs_are_sorted_little_endian_int32_pairs() -> None:
    blob = encode_arcs([(2, -1), (-1, 2), (2, -1)])
    assert blob == bytes.fromhex("ffffffff02000000" "02000000ffffffff")
    assert decode_arcs(blob) == [(-1, 2), (2, -1)]


def test_arcs_extreme_values_round_trip() -> None:
    arcs = [(-(2**31), 2**31 - 1), (0, 0), (2**31 - 1, -(2**31))]
    assert decode_arcs(encode_arcs(arcs)) == arcs


def test_arc_out_of_32_bit_range_is_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        encode_arcs([(1, 2**31)])


# -- In memory --


def test_new_data_is_empty(tmp_path: Path) -> None:
    data = _data(tmp_path)
    assert not data
    assert len(data) == 0
    assert data.measured_files() == set()
    assert not data.has_arcs()
    assert data.lines("a.py") is None
    assert data.meta() == {}


def test_add_lines_unions(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.add_lines({"a.py": [3, 1, 2], "b.py": {5}})
    data.add_lines({"a.py": [2, 4]})
    assert data.lines("a.py") == [1, 2, 3, 4]
    assert data.lines("b.py") == [5]
    assert data.arcs("a.py") is None
    assert len(data) == 2 and data


def test_negative_line_number_is_refused_and_nothing_added(tmp_path: Path) -> None:
    data = _data(tmp_path)
    with pytest.raises(DataError, match="Line number -3 for 'b.py' is out of range"):
        data.add_lines({"a.py": [1], "b.py": [-3]})
    assert data.measured_files() == set()


def test_lines_are_derived_from_arcs(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.add_arcs({"a.py": ARCS_A})
    assert data.has_arcs()
    assert data.arcs("a.py") == sorted(ARCS_A)
    assert data.lines("a.py") == [1, 2, 3, 6, 9]


def test_adding_lines_to_arc_data_is_an_error(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.add_arcs({"a.py": [(1, 2)]})
    with pytest.raises(DataError, match="Can't add lines to data that has arcs"):
        data.add_lines({"b.py": [1]})
    assert data.measured_files() == {"a.py"}


def test_adding_arcs_to_line_data_is_an_error(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.add_lines({"a.py": [1]})
    with pytest.raises(DataError, match="Can't add arcs to data that has lines"):
        data.add_arcs({"b.py": [(1, 2)]})
    assert data.measured_files() == {"a.py"}


def test_touched_files_are_measured_with_no_lines(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.touch_files(["a.py", "b.py"])
    assert data.measured_files() == {"a.py", "b.py"}
    assert data.lines("a.py") == []
    assert data.arcs("a.py") is None
    data.add_arcs({"a.py": [(-1, 1)]})
    assert data.arcs("b.py") == []
    assert data.lines("a.py") == [1]
    data.touch_files(["a.py", "c.py"])
    assert data.arcs("a.py") == [(-1, 1)]
    assert data.measured_files() == {"a.py", "b.py", "c.py"}


def test_update_unions_lines(tmp_path: Path) -> None:
    one, two = _data(tmp_path, "one"), _data(tmp_path, "two")
    one.add_lines({"a.py": [1, 2]})
    two.add_lines({"a.py": [2, 3], "b.py": [7]})
    two.touch_files(["c.py"])
    one.update(two)
    assert one.lines("a.py") == [1, 2, 3]
    assert one.lines("b.py") == [7]
    assert one.lines("c.py") == []
    assert two.lines("a.py") == [2, 3]


def test_update_unions_arcs_into_empty_data(tmp_path: Path) -> None:
    one, two = _data(tmp_path, "one"), _data(tmp_path, "two")
    one.touch_files(["z.py"])
    two.add_arcs({"a.py": ARCS_A})
    one.update(two)
    assert one.has_arcs()
    assert one.arcs("a.py") == sorted(ARCS_A)
    assert one.arcs("z.py") == []


def test_update_mixing_lines_and_arcs_is_an_error(tmp_path: Path) -> None:
    lines, arcs = _data(tmp_path, "lines"), _data(tmp_path, "arcs")
    lines.add_lines({"a.py": [1]})
    arcs.add_arcs({"b.py": [(1, 2)]})
    with pytest.raises(DataError, match=r"Can't combine arcs from '.*arcs' with lines in '.*lines'"):
        lines.update(arcs)
    with pytest.raises(DataError, match="Can't combine lines"):
        arcs.update(lines)
    assert lines.measured_files() == {"a.py"}
    assert arcs.measured_files() == {"b.py"}


def test_meta_is_a_copy(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.set_meta("core", "ctrace")
    data.meta()["core"] = "changed"
    assert data.meta() == {"core": "ctrace"}


# -- File names --


def test_default_basename_is_dot_covcore_in_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = CoverageData()
    monkeypatch.chdir("/")
    assert data.data_filename() == str(tmp_path / ".covcore")


@pytest.mark.parametrize("suffix", [None, False, ""])
def test_no_suffix(tmp_path: Path, suffix: str | bool | None) -> None:
    assert _data(tmp_path, suffix=suffix).data_filename() == str(tmp_path / ".covcore")


def test_string_suffix_is_used_as_given(tmp_path: Path) -> None:
    assert _data(tmp_path, suffix="web1").data_filename() == str(tmp_path / ".covcore.web1")


def test_auto_suffix_names_host_pid_and_random_letters(tmp_path: Path) -> None:
    import socket

    one, two = _data(tmp_path, suffix=True), _data(tmp_path, suffix=True)
    name = one.data_filename()
    expected = re.escape(f"{tmp_path}/.covcore.{socket.gethostname()}.{os.getpid()}.X") + "[A-Za-z]{6}"
    assert re.fullmatch(expected, name)
    assert one.data_filename() == name
    assert two.data_filename() != name


def test_auto_suffix_is_chosen_again_in_another_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data(tmp_path, suffix=True)
    parent = data.data_filename()
    monkeypatch.setattr(os, "getpid", lambda: 999_999_999)
    child = data.data_filename()
    assert child != parent
    assert ".999999999.X" in child


# -- Reading and writing --


def test_lines_round_trip(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.add_lines({"a.py": [1, 2, 100], "dir/b b.py": [17]})
    data.touch_files(["never.py"])
    data.set_meta("core", "sysmon")
    data.write()
    back = _reread(data.data_filename())
    assert back.measured_files() == {"a.py", "dir/b b.py", "never.py"}
    assert back.lines("a.py") == [1, 2, 100]
    assert back.lines("never.py") == []
    assert not back.has_arcs()
    assert back.meta() == {"core": "sysmon"}


def test_arcs_round_trip_with_negative_numbers(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.add_arcs({"a.py": ARCS_A, "b.py": [(-10, -10)]})
    data.touch_files(["never.py"])
    data.write()
    back = _reread(data.data_filename())
    assert back.has_arcs()
    assert back.arcs("a.py") == sorted(ARCS_A)
    assert back.arcs("b.py") == [(-10, -10)]
    assert back.lines("b.py") == []
    assert back.lines("a.py") == [1, 2, 3, 6, 9]
    assert back.arcs("never.py") == []


def test_read_replaces_what_was_in_memory(tmp_path: Path) -> None:
    path = _written(tmp_path / "d", lines={"a.py": [1]})
    data = CoverageData(str(path))
    data.add_lines({"b.py": [2]})
    data.read()
    assert data.measured_files() == {"a.py"}


def test_missing_file_reads_as_empty_data(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.add_arcs({"a.py": [(1, 2)]})
    data.read()
    assert not data and not data.has_arcs()
    assert not os.path.exists(data.data_filename())


def test_empty_file_reads_as_empty_data(tmp_path: Path) -> None:
    (tmp_path / ".covcore").write_bytes(b"")
    assert not _reread(tmp_path / ".covcore")


def test_writing_empty_data_makes_a_file(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.write()
    assert os.path.exists(data.data_filename())
    assert not _reread(data.data_filename())


def test_write_unites_with_what_the_file_holds(tmp_path: Path) -> None:
    path = tmp_path / ".covcore"
    one, two = CoverageData(str(path)), CoverageData(str(path))
    one.add_arcs({"a.py": [(1, 2)], "b.py": [(5, 6)]})
    one.set_meta("when", "1")
    one.set_meta("core", "ctrace")
    two.add_arcs({"a.py": [(2, 3)], "c.py": [(-1, 1)]})
    two.touch_files(["b.py"])
    two.set_meta("when", "2")
    one.write()
    two.write()
    back = _reread(path)
    assert back.arcs("a.py") == [(1, 2), (2, 3)]
    assert back.arcs("b.py") == [(5, 6)]
    assert back.arcs("c.py") == [(-1, 1)]
    assert back.meta() == {"when": "2", "core": "ctrace"}


def test_writing_lines_into_an_arc_file_is_an_error(tmp_path: Path) -> None:
    path = _written(tmp_path / ".covcore", arcs={"a.py": [(1, 2)]})
    before = path.read_bytes()
    data = CoverageData(str(path))
    data.add_lines({"a.py": [1]})
    with pytest.raises(DataError, match=f"Couldn't write data to '{re.escape(str(path))}': it holds arcs and this data has lines"):
        data.write()
    assert path.read_bytes() == before


def test_out_of_range_arc_is_refused_before_touching_the_disk(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.add_arcs({"a.py": [(1, 2**40)]})
    with pytest.raises(DataError, match="Couldn't write data to .*out of range"):
        data.write()
    assert not os.path.exists(data.data_filename())


def test_odd_file_names_work(tmp_path: Path) -> None:
    odd = tmp_path / "a b#c?d%20é"
    odd.mkdir()
    path = _written(odd / ".covcore", lines={"x.py": [1]})
    assert _reread(path).lines("x.py") == [1]


def _foreign_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE file (id INTEGER, path TEXT)")
    con.close()


CORRUPTIONS = {
    "random-bytes": lambda p: p.write_bytes(bytes(range(256)) * 20),
    "text": lambda p: p.write_text("!coverage.py: This is a private format, don't read it directly!\n"),
    "other-sqlite-schema": _foreign_sqlite,
}


@pytest.mark.parametrize("make", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_reading_a_corrupt_file_is_a_data_error(tmp_path: Path, make: object) -> None:
    path = tmp_path / ".covcore"
    make(path)  # type: ignore[operator]
    with pytest.raises(DataError, match=f"^Couldn't read data from '{re.escape(str(path))}': ") as info:
        _reread(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("make", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_writing_over_a_corrupt_file_is_an_error_and_keeps_it(tmp_path: Path, make: object) -> None:
    path = tmp_path / ".covcore"
    make(path)  # type: ignore[operator]
    before = path.read_bytes()
    data = CoverageData(str(path))
    data.add_lines({"a.py": [1]})
    with pytest.raises(DataError, match=f"^Couldn't write data to '{re.escape(str(path))}': "):
        data.write()
    assert path.read_bytes() == before


def test_reading_a_directory_is_a_data_error(tmp_path: Path) -> None:
    (tmp_path / ".covcore").mkdir()
    with pytest.raises(DataError, match="Couldn't read data from"):
        _reread(tmp_path / ".covcore")


def test_schema_version_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    path = _written(tmp_path / ".covcore", lines={"a.py": [1]})
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        con.execute("PRAGMA user_version = 99")
    con.close()
    with pytest.raises(DataError, match="Couldn't read data from .*: it has schema version 99, this covcore uses version 2"):
        _reread(path)
    data = CoverageData(str(path))
    data.add_lines({"a.py": [2]})
    with pytest.raises(DataError, match="Couldn't write data to .*schema version 99"):
        data.write()


def test_writing_into_a_missing_directory_makes_it(tmp_path: Path) -> None:
    # As coverage.py does: the run's data is not lost for a directory.
    data = CoverageData(str(tmp_path / "nowhere" / "deeper" / ".covcore"))
    data.add_lines({"a.py": [1, 2]})
    data.write()
    back = CoverageData(str(tmp_path / "nowhere" / "deeper" / ".covcore"))
    back.read()
    assert back.lines("a.py") == [1, 2]


def test_writing_under_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    data = CoverageData(str(tmp_path / "plain" / ".covcore"))
    with pytest.raises(DataError, match="isn't a directory"):
        data.write()


def test_writing_to_a_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".covcore").mkdir()
    with pytest.raises(DataError, match="Couldn't write data to .*: it is a directory"):
        _data(tmp_path).write()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write anywhere")
def test_writing_into_a_read_only_directory_is_an_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(DataError, match="Couldn't write data to .*: permission denied"):
            CoverageData(str(locked / ".covcore")).write()
    finally:
        locked.chmod(0o700)


# -- Erasing --


def test_data_file_header_tells_data_files_from_others(tmp_path: Path) -> None:
    # (The end of a run reads only these among the files named like its parallel files.)
    data = _data(tmp_path)
    data.add_lines({"a.py": [1]})
    data.write()
    (tmp_path / ".covcore.rc").write_text("[run]\n")
    (tmp_path / ".covcore.empty").write_bytes(b"")
    with sqlite3.connect(tmp_path / ".covcore.other") as con:
        con.execute("CREATE TABLE t (x)")
    con.close()
    assert has_data_file_header(str(tmp_path / ".covcore"))
    for name in (".covcore.rc", ".covcore.empty", ".covcore.other", ".covcore.missing"):
        assert not has_data_file_header(str(tmp_path / name))


def test_erase_deletes_the_file_and_forgets_the_data(tmp_path: Path) -> None:
    data = _data(tmp_path)
    data.add_lines({"a.py": [1]})
    data.set_meta("core", "ctrace")
    data.write()
    _written(tmp_path / ".covcore.other", lines={"b.py": [1]})
    data.erase()
    assert not data and data.meta() == {}
    assert sorted(os.listdir(tmp_path)) == [".covcore.other"]
    data.erase()  # A missing file is fine.


def test_erase_parallel_deletes_the_siblings_but_nothing_else(tmp_path: Path) -> None:
    for name in [".covcore", ".covcore.a", ".covcore.host.1.Xabcdef", ".covcore.b-journal"]:
        _written(tmp_path / name, lines={"a.py": [1]})
    (tmp_path / ".covcore.empty").write_bytes(b"")
    (tmp_path / ".covcore.toml").write_text("[covcore]\n")
    (tmp_path / ".covcoreother").write_bytes(b"")
    (tmp_path / "x.covcore.a").write_bytes(b"")
    warnings: list[str] = []
    _data(tmp_path, warn=warnings.append).erase(parallel=True)
    assert sorted(os.listdir(tmp_path)) == [".covcore.toml", ".covcoreother", "x.covcore.a"]
    assert warnings == [f"Not erasing '{tmp_path}/.covcore.toml': it isn't a covcore data file"]


# -- Combining --


def _parallel_files(tmp_path: Path) -> list[Path]:
    return [
        _written(tmp_path / ".covcore.one", arcs={"a.py": [(-1, 1), (1, 2)], "b.py": [(3, 4)]}),
        _written(tmp_path / ".covcore.two", arcs={"a.py": [(1, 2), (2, -1)], "c.py": [(-5, 6)]}),
    ]


def _assert_combined(data: CoverageData) -> None:
    assert data.arcs("a.py") == [(-1, 1), (1, 2), (2, -1)]
    assert data.arcs("b.py") == [(3, 4)]
    assert data.arcs("c.py") == [(-5, 6)]


def test_combine_unites_writes_and_deletes(tmp_path: Path) -> None:
    parts = _parallel_files(tmp_path)
    data = _data(tmp_path)
    combined = combine_parallel_data(data)
    assert combined == [str(p) for p in parts]
    _assert_combined(data)
    _assert_combined(_reread(tmp_path / ".covcore"))
    assert sorted(os.listdir(tmp_path)) == [".covcore"]


def test_combine_with_keep_keeps_the_files(tmp_path: Path) -> None:
    parts = _parallel_files(tmp_path)
    data = _data(tmp_path)
    assert combine_parallel_data(data, keep=True) == [str(p) for p in parts]
    _assert_combined(_reread(tmp_path / ".covcore"))
    assert sorted(os.listdir(tmp_path)) == [".covcore", ".covcore.one", ".covcore.two"]


def test_combine_adds_to_the_existing_data(tmp_path: Path) -> None:
    _parallel_files(tmp_path)
    _written(tmp_path / ".covcore", arcs={"old.py": [(1, 2)]})
    data = _data(tmp_path)
    data.read()
    combine_parallel_data(data)
    back = _reread(tmp_path / ".covcore")
    _assert_combined(back)
    assert back.arcs("old.py") == [(1, 2)]


def test_combine_with_a_corrupt_file_loses_no_data(tmp_path: Path) -> None:
    parts = _parallel_files(tmp_path)
    bad = tmp_path / ".covcore.bad"
    bad.write_bytes(b"\x00garbage" * 100)
    data = _data(tmp_path)
    with pytest.raises(CombineError) as info:
        combine_parallel_data(data)
    assert isinstance(info.value, DataError)
    assert str(info.value) == f"Couldn't read data from '{bad}': file is not a database (that file was kept and not combined)"
    assert info.value.combined == [str(p) for p in parts]
    assert list(info.value.failed) == [str(bad)]
    _assert_combined(_reread(tmp_path / ".covcore"))
    assert sorted(os.listdir(tmp_path)) == [".covcore", ".covcore.bad"]
    assert bad.read_bytes() == b"\x00garbage" * 100


def test_combine_keeps_files_of_the_other_measure(tmp_path: Path) -> None:
    _parallel_files(tmp_path)
    lines = _written(tmp_path / ".covcore.x-lines", lines={"a.py": [1]})
    (tmp_path / ".covcore.zbad").write_text("not data")
    with pytest.raises(CombineError, match="^2 data files were kept and not combined: Can't combine lines from") as info:
        combine_parallel_data(_data(tmp_path))
    assert sorted(info.value.failed) == [str(lines), str(tmp_path / ".covcore.zbad")]
    assert sorted(os.listdir(tmp_path)) == [".covcore", ".covcore.x-lines", ".covcore.zbad"]


def test_combine_writes_nothing_and_deletes_nothing_if_the_write_fails(tmp_path: Path) -> None:
    parts = _parallel_files(tmp_path)
    (tmp_path / "plain").write_text("x")
    data = CoverageData(str(tmp_path / "plain" / ".covcore"))
    with pytest.raises(DataError, match="Couldn't write data to"):
        combine_parallel_data(data, [str(tmp_path)])
    assert all(p.exists() for p in parts)


def test_combine_keeps_a_file_that_changed_meanwhile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = _parallel_files(tmp_path)
    data = _data(tmp_path)
    real_write = data.write

    def write_and_change_one() -> None:
        real_write()
        late = CoverageData(str(one))
        late.add_arcs({"late.py": [(1, 2)]})
        late.write()

    monkeypatch.setattr(data, "write", write_and_change_one)
    warnings: list[str] = []
    data._warn = warnings.append
    combine_parallel_data(data)
    assert one.exists() and not two.exists()
    assert warnings == [f"Kept data file '{one}': it changed while being combined"]


def test_combine_nothing_writes_nothing(tmp_path: Path) -> None:
    data = _data(tmp_path)
    assert combine_parallel_data(data) == []
    assert os.listdir(tmp_path) == []


def test_combinable_files_from_files_and_directories(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    mine = _written(tmp_path / ".covcore.x", lines={"a.py": [1]})
    theirs = _written(sub / ".covcore.y", lines={"b.py": [1]})
    other = _written(sub / "elsewhere.dat", lines={"c.py": [1]})
    (sub / ".covcore.y-journal").write_bytes(b"")
    (sub / ".covcore.dir").mkdir()
    base = str(tmp_path / ".covcore")
    assert combinable_files(base) == [str(mine)]
    assert combinable_files(base, [str(sub), str(other), str(sub / ".covcore.y")]) == sorted([str(theirs), str(other)])
    with pytest.raises(DataError, match="Couldn't combine from non-existent path 'nope'"):
        combinable_files(base, ["nope"])


def test_combine_skips_its_own_file(tmp_path: Path) -> None:
    parts = _parallel_files(tmp_path)
    data = _data(tmp_path, suffix="one")
    assert combine_parallel_data(data) == [str(parts[1])]
    assert sorted(os.listdir(tmp_path)) == [".covcore.one"]
    back = _reread(parts[0])
    assert back.arcs("c.py") == [(-5, 6)]


# -- Several processes --

WRITER = textwrap.dedent(
    """
    import sys
    from covcore.data import CoverageData
    base, suffix, worker, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    for r in range(rounds):
        data = CoverageData(base, suffix=True if suffix == "auto" else None)
        data.add_arcs({
            "shared.py": [(-1, worker * 1000 + r), (worker * 1000 + r, -1)],
            f"worker{worker}.py": [(r, r + 1)],
        })
        data.set_meta("worker", str(worker))
        data.write()
    """
)


def _run_writers(base: Path, suffix: str, workers: int, rounds: int) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PACKAGE_PARENT, env.get("PYTHONPATH")]))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(base), suffix, str(w), str(rounds)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for w in range(workers)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()


def _assert_all_workers(data: CoverageData, workers: int, rounds: int) -> None:
    shared = data.arcs("shared.py")
    assert shared is not None
    assert len(shared) == 2 * workers * rounds
    for w in range(workers):
        assert data.arcs(f"worker{w}.py") == [(r, r + 1) for r in range(rounds)]


def test_processes_writing_parallel_files_then_combined(tmp_path: Path) -> None:
    base = tmp_path / ".covcore"
    _run_writers(base, "auto", workers=4, rounds=3)
    assert len(os.listdir(tmp_path)) == 12
    data = CoverageData(str(base))
    assert len(combine_parallel_data(data)) == 12
    _assert_all_workers(_reread(base), workers=4, rounds=3)
    assert os.listdir(tmp_path) == [".covcore"]


def test_processes_writing_the_same_file_lose_nothing(tmp_path: Path) -> None:
    base = tmp_path / ".covcore"
    _run_writers(base, "none", workers=4, rounds=15)
    assert os.listdir(tmp_path) == [".covcore"]
    _assert_all_workers(_reread(base), workers=4, rounds=15)

"""Combining data from other machines and other tools.

``[paths]`` remapping (other roots, Windows names), ``--keep``, ``--append``,
idempotence, several processes combining at once, and coverage.py's data
files both ways (``covcore export --format coverage``, ``covcore combine``
of coverage.py files).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

import pytest

from covcore.aliases import PathAliases
from covcore.combine import combine_parallel_data
from covcore.data import CoverageData
from covcore.exceptions import ConfigError
from covcore.interop import export_coverage_py, is_coverage_py_file, read_coverage_py

from conftest import run_covcore

PROGRAM = """\
import sys

def kind(n):
    if n % 2:
        return "odd"
    return "even"

def unused():
    return None

for arg in sys.argv[1:]:
    print(kind(int(arg)))
"""


def _reread(path: Path) -> CoverageData:
    data = CoverageData(str(path))
    data.read()
    return data


def _foreign_file(path: Path, source_name: str, lines: list[int], context: str = "") -> Path:
    """A parallel data file as another machine wrote it, naming `source_name`."""
    data = CoverageData(str(path))
    data.add_lines({source_name: lines}, context=context)
    data.write()
    return path


# -- [paths] ----------------------------------------------------------------


def test_paths_remap_other_roots_and_windows_names(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("src/pkg/mod.py", "a = 1\nb = 2\nc = 3\n")
    make_file(".covcorerc", """\
        [paths]
        source =
            src/
            /home/runner/work/*/src/
            C:\\a\\project\\src\\
    """)
    _foreign_file(tmp_path / ".covcore.linux", "/home/runner/work/job7/src/pkg/mod.py", [1], "linux")
    _foreign_file(tmp_path / ".covcore.windows", "C:\\a\\project\\src\\pkg\\mod.py", [2], "windows")
    _foreign_file(tmp_path / ".covcore.elsewhere", "/elsewhere/other.py", [5])
    result = run_covcore(["combine"], tmp_path)
    assert result.returncode == 0, result.stderr
    data = _reread(tmp_path / ".covcore")
    here = os.path.realpath(tmp_path / "src/pkg/mod.py")
    assert data.measured_files() == {here, "/elsewhere/other.py"}
    assert data.contexts_by_lineno(here) == {1: ["linux"], 2: ["windows"]}
    report = run_covcore(["report", "-m", "--include", "src/*"], tmp_path)
    assert "src/pkg/mod.py       3      1    67%   3" in report.stdout


def test_path_aliases_need_the_file_to_exist(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "here.py").write_text("")
    aliases = PathAliases({"source": [str(tmp_path / "src"), "/ci/*/src"]})
    assert aliases.map("/ci/x/src/here.py") == os.path.realpath(tmp_path / "src" / "here.py")
    assert aliases.map("/ci/x/src/gone.py") == "/ci/x/src/gone.py"
    assert aliases.map("/CI/X/SRC/here.py") == os.path.realpath(tmp_path / "src" / "here.py")


@pytest.mark.parametrize("result", ["src/*", "/ci/?/src"])
def test_path_alias_result_with_a_wildcard_is_an_error(result: str) -> None:
    """The result names a real directory (coverage.py 7.18 refuses a pattern there too)."""
    with pytest.raises(ConfigError, match=re.escape(f"Result path must not contain wildcards: {result!r}")):
        PathAliases({"source": [result, "/ci/*/src"]})


def test_path_aliases_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text("")
    aliases = PathAliases({"source": ["src/", "D:\\w\\src\\"]}, relative=True)
    assert aliases.map("D:\\w\\src\\m.py") == "src/m.py"
    assert aliases.map(str(tmp_path / "src" / "m.py")) == "src/m.py"


# -- keep, append, idempotence ----------------------------------------------


def test_combine_replaces_unless_appending(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", PROGRAM)
    assert run_covcore(["run", "prog.py", "1"], tmp_path).returncode == 0
    assert run_covcore(["run", "-p", "prog.py", "2"], tmp_path).returncode == 0
    combined = run_covcore(["combine", "--keep"], tmp_path)
    assert combined.returncode == 0
    prog = os.path.realpath(tmp_path / "prog.py")
    assert 5 not in _reread(tmp_path / ".covcore").lines(prog)   # the "odd" run was replaced
    assert 6 in _reread(tmp_path / ".covcore").lines(prog)
    assert run_covcore(["run", "prog.py", "1"], tmp_path).returncode == 0
    assert run_covcore(["combine", "--append"], tmp_path).returncode == 0
    lines = _reread(tmp_path / ".covcore").lines(prog)
    assert {5, 6} <= set(lines)
    assert list(tmp_path.glob(".covcore.*")) == []


def test_combining_twice_is_idempotent(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", PROGRAM)
    for arg in ("1", "2"):
        assert run_covcore(["run", "-p", "--branch", "prog.py", arg], tmp_path).returncode == 0
    assert run_covcore(["combine", "--keep"], tmp_path).returncode == 0
    first = (tmp_path / ".covcore").read_bytes()
    once = _reread(tmp_path / ".covcore")
    for args in (["combine", "--keep"], ["combine", "--keep", "--append"]):
        assert run_covcore(args, tmp_path).returncode == 0
        again = _reread(tmp_path / ".covcore")
        prog = os.path.realpath(tmp_path / "prog.py")
        assert again.arcs(prog) == once.arcs(prog)
    assert len(first) > 0
    # Nothing left to combine: an error, and the data is untouched.
    assert run_covcore(["combine"], tmp_path).returncode == 0
    result = run_covcore(["combine"], tmp_path)
    assert (result.returncode, result.stderr) == (1, "covcore: No data to combine\n")
    assert _reread(tmp_path / ".covcore").arcs(prog) == once.arcs(prog)


def _combine_in_process(directory: str) -> int:
    data = CoverageData(os.path.join(directory, ".covcore"))
    data.read()
    return len(combine_parallel_data(data))


def _write_parts(directory: Path, count: int, start: int) -> set[int]:
    lines: set[int] = set()
    for index in range(start, start + count):
        _foreign_file(directory / f".covcore.part{index}", "/src/a.py", [index, 1000 + index])
        lines |= {index, 1000 + index}
    return lines


def test_several_processes_combining_at_once_lose_nothing(tmp_path: Path) -> None:
    expected = _write_parts(tmp_path, 40, 1)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        counts = pool.map(_combine_in_process, [str(tmp_path)] * 8)
    assert sum(counts) == 40          # each file was combined exactly once
    assert set(_reread(tmp_path / ".covcore").lines("/src/a.py") or []) == expected
    assert list(tmp_path.glob(".covcore.*")) == []


def test_writers_and_combiners_at_once_lose_nothing(tmp_path: Path) -> None:
    """Processes save parallel files while others combine them: every line arrives."""
    script = (
        "import sys\n"
        "from covcore.data import CoverageData\n"
        "n = int(sys.argv[1])\n"
        "for i in range(20):\n"
        "    d = CoverageData(sys.argv[2] + '/.covcore', suffix=True)\n"
        "    d.add_lines({'/src/b.py': [n * 100 + i + 1]})\n"
        "    d.write()\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(n), str(tmp_path)]) for n in range(1, 4)
    ]
    combines = 0
    while any(w.poll() is None for w in writers) or combines < 3:
        _combine_in_process(str(tmp_path))
        combines += 1
    _combine_in_process(str(tmp_path))
    assert all(w.wait() == 0 for w in writers)
    lines = set(_reread(tmp_path / ".covcore").lines("/src/b.py") or [])
    assert lines == {n * 100 + i + 1 for n in range(1, 4) for i in range(20)}


def test_a_file_committed_while_the_combiner_waits_is_combined_and_deleted(tmp_path: Path) -> None:
    """A combine that waits out a writer's lock reads the committed file, and deletes it quietly."""
    part = _foreign_file(tmp_path / ".covcore.busy", "/src/c.py", [1, 2])
    writer = sqlite3.connect(str(part), isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN EXCLUSIVE")           # readers wait until the commit
    writer.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('late', 'yes')")
    timer = threading.Timer(0.5, writer.execute, ["COMMIT"])
    timer.start()
    warnings: list[str] = []
    data = CoverageData(str(tmp_path / ".covcore"), warn=warnings.append)
    try:
        assert combine_parallel_data(data) == [str(part)]
    finally:
        timer.join()
        writer.close()
    assert warnings == []
    assert not part.exists()
    assert _reread(tmp_path / ".covcore").lines("/src/c.py") == [1, 2]


def test_cli_runs_and_combines_at_once_lose_nothing(tmp_path: Path) -> None:
    """``covcore run -p`` processes and ``covcore combine --append`` processes, all at once."""
    branches = "".join(f"{'if' if n == 0 else 'elif'} n == {n}:\n    x = {n}\n" for n in range(6))
    (tmp_path / "prog.py").write_text(f"import sys\nn = int(sys.argv[1])\n{branches}")
    env = dict(os.environ)
    env.pop("COVCORE_CORE", None)
    env.pop("COVCORE_FILE", None)

    def start(args: list[str]) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "covcore", *args], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    procs = []
    for n in range(6):
        procs.append(("run", start(["run", "-p", "prog.py", str(n)])))
        procs.append(("combine", start(["combine", "--append"])))
    for kind, proc in procs:
        out, err = proc.communicate(timeout=120)
        if kind == "run" or proc.returncode != 1:
            assert (proc.returncode, err) == (0, ""), (kind, err)
        else:
            assert err == "covcore: No data to combine\n"     # another combiner took them all
    last = run_covcore(["combine", "--append"], tmp_path)
    assert last.returncode in (0, 1)
    lines = _reread(tmp_path / ".covcore").lines(os.path.realpath(tmp_path / "prog.py"))
    assert lines == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
    assert list(tmp_path.glob(".covcore.*")) == []


# -- coverage.py data files ---------------------------------------------------


def _coverage_py(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coverage", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "arcs"])
def test_exported_data_reads_the_same_in_coverage_py(
    tmp_path: Path, branch: bool, make_file: Callable[[str, str], Path],
) -> None:
    make_file("prog.py", PROGRAM)
    make_file("lib/helpers.py", "def unused():\n    return 1\n")
    flags = ["--branch"] if branch else []
    assert run_covcore(["run", *flags, "--source=.", "--context=ci", "prog.py", "1", "2"], tmp_path).returncode == 0
    ours = run_covcore(["report", "-m"], tmp_path)
    export = run_covcore(["export", "--format", "coverage", "-o", ".coverage"], tmp_path)
    assert export.returncode == 0, export.stderr
    assert export.stdout == "Wrote coverage data file .coverage\n"
    assert is_coverage_py_file(str(tmp_path / ".coverage"))
    theirs = _coverage_py(["report", "-m"], tmp_path)
    assert theirs.returncode == 0, theirs.stderr
    assert theirs.stdout == ours.stdout
    # JSON totals, XML and HTML from coverage.py agree too.
    assert run_covcore(["json", "-o", "ours.json"], tmp_path).returncode == 0
    assert _coverage_py(["json", "-o", "theirs.json"], tmp_path).returncode == 0
    ours_json = json.loads((tmp_path / "ours.json").read_text())
    theirs_json = json.loads((tmp_path / "theirs.json").read_text())
    assert ours_json["totals"] == theirs_json["totals"]
    assert ours_json["files"] == theirs_json["files"]
    assert _coverage_py(["xml", "-o", "theirs.xml"], tmp_path).returncode == 0
    assert run_covcore(["xml", "-o", "ours.xml"], tmp_path).returncode == 0
    rate = 'branch-rate' if branch else 'line-rate'
    theirs_xml = (tmp_path / "theirs.xml").read_text()
    ours_xml = (tmp_path / "ours.xml").read_text()
    assert theirs_xml.split(rate)[1][:12] == ours_xml.split(rate)[1][:12]
    html = _coverage_py(["html", "-d", "htmlcov"], tmp_path)
    assert html.returncode == 0
    index = (tmp_path / "htmlcov" / "index.html").read_text()
    total = run_covcore(["report", "--format=total"], tmp_path).stdout.strip()
    assert re.search(r'<span class="pc_cov">(\d+)%</span>', index)[1] == total  # type: ignore[index]
    contexts = _coverage_py(["report", "--contexts=^ci$"], tmp_path)
    assert contexts.stdout == run_covcore(["report"], tmp_path).stdout


def test_export_of_no_data_and_bad_places(tmp_path: Path) -> None:
    result = run_covcore(["export", "-o", "nowhere/x/.coverage"], tmp_path)
    assert result.returncode == 1
    assert result.stderr == "covcore: No data to export.\n"
    (tmp_path / "prog.py").write_text("a = 1\n")
    assert run_covcore(["run", "prog.py"], tmp_path).returncode == 0
    result = run_covcore(["export", "-o", "nowhere/x/.coverage"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("covcore: Couldn't write data to ") and "doesn't exist" in result.stderr


def test_export_never_destroys_a_file_it_should_not_replace(
    tmp_path: Path, make_file: Callable[[str, str], Path],
) -> None:
    import coverage

    # coverage.py's own data, and no covcore data: nothing to export, theirs kept.
    make_file("prog.py", PROGRAM)
    assert _coverage_py(["run", "prog.py", "1"], tmp_path).returncode == 0
    before = (tmp_path / ".coverage").read_bytes()
    result = run_covcore(["export"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["covcore: No data to export."]
    assert (tmp_path / ".coverage").read_bytes() == before

    assert run_covcore(["run", "prog.py", "2"], tmp_path).returncode == 0
    ours = (tmp_path / ".covcore").read_bytes()
    for target, reason in ((".covcore", "it is covcore's data file, not coverage.py's"),
                           ("prog.py", "it exists and isn't a coverage.py data file")):
        kept = (tmp_path / target).read_bytes()
        result = run_covcore(["export", "-o", target], tmp_path)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"covcore: Couldn't write data to '{tmp_path / target}': {reason}"
        ]
        assert (tmp_path / target).read_bytes() == kept
    assert (tmp_path / ".covcore").read_bytes() == ours

    # Replacing coverage.py's file with the export is what export is for.
    result = run_covcore(["export"], tmp_path)
    assert result.returncode == 0, result.stderr
    theirs = coverage.CoverageData(str(tmp_path / ".coverage"))
    theirs.read()
    assert theirs.measured_files()


def test_combine_accepts_coverage_py_data_files(tmp_path: Path, make_file: Callable[[str, str], Path]) -> None:
    make_file("prog.py", PROGRAM)
    (tmp_path / ".coveragerc").write_text("[run]\nbranch = true\n")
    assert _coverage_py(["run", "--context=theirs", "prog.py", "1"], tmp_path).returncode == 0
    assert run_covcore(["run", "--branch", "-p", "--context=ours", "prog.py", "2"], tmp_path).returncode == 0
    result = run_covcore(["combine", ".coverage", "."], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".coverage").exists() is False
    data = _reread(tmp_path / ".covcore")
    prog = os.path.realpath(tmp_path / "prog.py")
    by_line = data.contexts_by_lineno(prog)
    assert by_line[5] == ["theirs"] and by_line[6] == ["ours"]
    assert by_line[4] == ["ours", "theirs"]
    assert data.has_arcs()


def test_coverage_py_files_from_other_machines_are_remapped(
    tmp_path: Path, make_file: Callable[[str, str], Path],
) -> None:
    import coverage

    make_file("src/m.py", "a = 1\nb = 2\nc = 3\n")
    make_file(".coveragerc", "[paths]\nsource =\n    src/\n    /ci/*/src/\n    D:\\w\\src\\\n")
    for name, path, lines in ((".coverage.linux", "/ci/job1/src/m.py", [1]), (".coverage.win", "D:\\w\\src\\m.py", [3])):
        theirs = coverage.CoverageData(str(tmp_path / name))
        theirs.add_lines({path: lines})
        theirs.write()
    result = run_covcore(["combine", ".coverage.linux", ".coverage.win"], tmp_path)
    assert result.returncode == 0, result.stderr
    report = run_covcore(["report", "-m"], tmp_path)
    assert "src/m.py       3      1    67%   2" in report.stdout


def test_coverage_py_file_round_trip(tmp_path: Path) -> None:
    data = CoverageData(str(tmp_path / ".covcore"))
    data.add_arcs({"/a.py": [(-1, 1), (1, 2), (2, -1)]}, context="t1")
    data.add_arcs({"/a.py": [(-1, 1), (1, 3)], "/b.py": [(-1, 1)]}, context="t2")
    data.touch_files(["/c.py"])
    export_coverage_py(data, str(tmp_path / ".coverage"))
    back = read_coverage_py(str(tmp_path / ".coverage"))
    for name in ("/a.py", "/b.py", "/c.py"):
        assert back.items_by_context(name) == data.items_by_context(name)
    assert back.has_arcs()


def test_a_coverage_py_file_of_another_schema_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / ".coverage"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE coverage_schema (version integer)")
        con.execute("INSERT INTO coverage_schema VALUES (4)")
    con.close()
    result = run_covcore(["combine", str(path)], tmp_path)
    assert result.returncode == 1
    assert "it is a coverage.py data file of schema 4" in result.stderr
    assert path.exists()

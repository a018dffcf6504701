"""What the file-tracer plug-in path costs when no plug-in is configured.

coverage.py's file-tracer plug-ins (django_coverage_plugin, Cython.Coverage)
run through a slow path of each core: a file a plug-in claims gets a
disposition that is not a string, and its frames are recorded by
covcore.filetracers.  With no plug-in configured that path must cost
nothing.  Three measures, all instruction counts by valgrind's callgrind
(repeatable on a shared machine, where timings are not):

1. Before and after.  The same small programs run under ``covcore run``
   from source trees of three revisions, each built here with its C
   extension: the commit before the file tracers landed, the last commit
   of the file-tracer work (the two differ by that work alone), and HEAD
   (for reference: it differs from the others by much more than the file
   tracers).  Per core (ctrace, pytrace, sysmon on 3.12+) and mode (line
   mode by default, branches with --modes): the whole process's
   instructions, and the difference the file-tracer work made.
2. The last revision again with the pure-Python core's plug-in path taken
   out of pytracer.py (the edits of ``WITHOUT``, made in a copy): the
   difference is what that path costs pytrace today.  The C is the same in
   both trees, so for the C cores the same column shows how much two builds
   of the same source differ (their paths and layouts differ).
3. On the last revision's C cores, the instructions ``callgrind_annotate``
   puts on the source lines of the plug-in path (the lines that name the plug-in
   recorder or a claimed disposition: a NULL store at each call, a NULL test
   at each return, the extra argument of the file decision), per call event.
   The build has debug information at the usual optimisation, so a line's
   count is approximate; the pure-Python core has no such lines to count.

The programs are measured source; no configuration file is read (an empty
``--rcfile``), so no plug-in is configured:

* ``calls``: a small function called in a loop (call and return events);
* ``lines``: a loop of straight-line statements (line events);
* ``imports``: importing 300 small generated modules (one file decision
  each);
* ``stdlib``: calls into unmeasured standard-library code (its frames are
  decided once, then skipped).

    python -m benchmarks.filetracer_cost [--python PATH] [--revisions A,B,HEAD]
        [--cores ctrace,pytrace,sysmon] [--modes lines,branch] [--workloads calls,...]
        [--no-without]

The revisions' sources are extracted with ``git archive`` into
``benchmarks/cache/filetracer-src/`` (in the sid chroot, where the work
tree's git directory is not mounted, run it once on the host first: the
extraction and HEAD's name are kept there); builds and callgrind files go to
``benchmarks/cache/X.Y/filetracer_cost/``; results to stdout and
``benchmarks/results/X.Y/filetracer_cost.md``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
CACHE = HERE / "cache"

#: The commit before the file tracers, and the last commit of that work (before its merge).
BEFORE = "e161f68^"
FILE_TRACERS = "7499b88"
DEFAULT_REVISIONS = f"{BEFORE},{FILE_TRACERS},HEAD"
#: What takes the plug-in path out of the last revision's pytracer.py: (text, its replacement).
#: When pytracer.py changes, these follow it (the harness says which no longer matches).
WITHOUT: list[tuple[str, str]] = [
    ("        if disposition is None:\n            self._cur_plugin = None\n            return None\n",
     "        if disposition is None:\n            return None\n"),
    ("            if not isinstance(disposition, str):\n"
     "                self._cur_plugin = disposition.start_frame(frame, _is_real_call(frame, code))\n"
     "                return None\n", ""),
    ("            elif self._cur_plugin is not None:\n"
     "                self._cur_plugin.line(frame)\n", ""),
    ("self._stack.append((self._cur_data, self._last_line, self._cur_frame, self._cur_plugin))",
     "self._stack.append((self._cur_data, self._last_line, self._cur_frame))"),
    (" and not self.program_tools and self._cur_plugin is None:", " and not self.program_tools:"),
    ("                    elif self._cur_plugin is not None:\n"
     "                        # A plug-in's recorder records the exit arc (nothing in line mode).\n"
     "                        self._cur_plugin.leave(frame, _is_real_return(frame, frame.f_code))\n", ""),
    ("self._cur_data, self._last_line, self._cur_frame, self._cur_plugin = self._stack.pop()",
     "self._cur_data, self._last_line, self._cur_frame = self._stack.pop()"),
]

WORKLOADS = {
    "empty": "",
    "calls": """\
        def f(x):
            return x + 1

        def main(n):
            total = 0
            for i in range(n):
                total = f(total)
            return total

        main(40_000)
        """,
    "lines": """\
        def main(n):
            a = b = c = 0
            for i in range(n):
                a = i
                b = a + 1
                c = b + a
                a = c - b
                b = a * 2
                c = b - a
                a = c + 1
                b = a - 1
                c = b
            return c

        main(15_000)
        """,
    "imports": """\
        import sys
        sys.path.insert(0, "mods")
        for k in range(300):
            __import__(f"mod{k}")
        """,
    "stdlib": """\
        import os.path
        import textwrap

        def main(n):
            out = 0
            for i in range(n):
                out += len(os.path.join("a", "b", str(i)))
                out += len(textwrap.indent("x", " "))
            return out

        main(8_000)
        """,
}
MODULE = "def g{k}(x):\n    if x:\n        return x + {k}\n    return {k}\n\nVALUE = g{k}({k} % 2)\n"

CHILD = r'''
import sys
lib = sys.argv[1]
sys.path.insert(0, lib)
import covcore, covcore.cmdline
assert covcore.__file__.startswith(lib), covcore.__file__
sys.exit(covcore.cmdline.main(sys.argv[2:]))
'''

#: A line of the plug-in path in ctracer/*.c (comments and the parameter's declaration aside).
PLUGIN_LINE = re.compile(r"\bplugin\b|\bclaimed\b|Decide_Plugin|!PyUnicode_Check\(disposition\)")
ANNOTATED = re.compile(r"^\s*([\d,]+|\.)\s+(?:\([^)]*\)\s+)?(.*)$")
SOURCE_HEAD = re.compile(r"^-- (?:Auto-annotated|User-annotated) source: (.*)$")


def python_version(python: str) -> str:
    return subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          check=True, capture_output=True, text=True).stdout.strip()


def resolve(revision: str) -> str:
    """A revision's full commit name (git, in the work tree)."""
    found = subprocess.run(["git", "rev-parse", "--verify", f"{revision}^{{commit}}"], cwd=ROOT,
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise SystemExit(f"filetracer_cost: git can't resolve {revision!r} here ({found.stderr.strip()}); "
                         "in the sid chroot, run the harness once on the host first")
    return found.stdout.strip()


def source_tree(revision: str) -> tuple[str, Path]:
    """(short commit name, its extracted source tree); "." is the work tree as it
    is, and a directory holding a setup.py a source tree as it is (named by its
    folder)."""
    if revision == ".":
        return "worktree", ROOT
    if (Path(revision) / "setup.py").exists():
        return Path(revision).resolve().name, Path(revision).resolve()
    dest = CACHE / "filetracer-src"
    known = dest / "revisions.json"
    names: dict[str, str] = json.loads(known.read_text()) if known.exists() else {}
    if revision not in names or revision == "HEAD":
        try:
            names[revision] = resolve(revision)[:9]
        except SystemExit:
            if revision not in names:
                raise
    short = names[revision]
    tree = dest / short
    if not (tree / "setup.py").exists():
        archive = subprocess.run(["git", "archive", "--format=tar", short], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        tree.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
    dest.mkdir(parents=True, exist_ok=True)
    known.write_text(json.dumps(names, indent=1))
    return short, tree


def without_tree(short: str, tree: Path) -> tuple[str, Path]:
    """The last revision's tree with the pure-Python core's plug-in path taken
    out (WITHOUT): what that core would cost without it."""
    name = f"{short}-without"
    dest = CACHE / "filetracer-src" / name
    if tree == ROOT or not (dest / "setup.py").exists():
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(tree, dest, ignore=shutil.ignore_patterns(
            ".git", ".venv*", "build", "cache", "__pycache__", "*.so", "tests", "realworld", "docs", "*.egg-info"))
        source = dest / "coverage_core" / "pytracer.py"
        text = source.read_text()
        for old, new in WITHOUT:
            if text.count(old) != 1:
                raise SystemExit(f"filetracer_cost: {short}'s pytracer.py has {text.count(old)} of "
                                 f"{old.strip()!r} (WITHOUT expects one): update WITHOUT")
            text = text.replace(old, new)
        source.write_text(text)
    return name, dest


def build(python: str, tree: Path, dest: Path) -> Path:
    """The package and its extension (with debug information) built from `tree` into dest/lib."""
    lib = dest / "lib"
    if tree == ROOT or not tree.is_relative_to(CACHE / "filetracer-src") or not list(lib.glob("covcore/_ctracer*.so")):
        shutil.rmtree(dest, ignore_errors=True)
        env = dict(os.environ, CFLAGS="-g", COVCORE_REQUIRE_EXTENSION="1")
        subprocess.run([python, "setup.py", "-q", "build", "--build-base", str(dest / "tmp"),
                        "--build-lib", str(lib)], cwd=tree, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not list(lib.glob("covcore/_ctracer*.so")):
        raise SystemExit(f"filetracer_cost: no covcore/_ctracer*.so under {lib}")
    # Byte-compiled as an install is: the runs don't write bytecode, and the
    # revisions' modules differ in size, so compiling them would be counted.
    subprocess.run([python, "-m", "compileall", "-q", str(lib)], check=True, stdout=subprocess.DEVNULL)
    return lib


def prepare(work: Path, name: str) -> Path:
    """The workload's directory (the measured source), made once."""
    folder = work / "programs" / name
    if not (folder / "prog.py").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "prog.py").write_text(textwrap.dedent(WORKLOADS[name]))
        if name == "imports":
            (folder / "mods").mkdir(exist_ok=True)
            for k in range(300):
                (folder / "mods" / f"mod{k}.py").write_text(MODULE.format(k=k))
    (folder / "empty.rc").write_text("")
    return folder


def count(python: str, lib: Optional[Path], folder: Path, core: str, branch: bool, out: Path) -> int:
    """Run the workload under callgrind (covcore from `lib`, or plain when None); the process's instructions."""
    if lib is None:
        argv = [python, "prog.py"]
    else:
        # Every tree runs from the same path (a link to its build): the file
        # decision cache holds the package's file names, and names that
        # differ from one tree to the next would make its string lookups
        # probe differently (0.7% of ctrace's instructions on `calls`).
        current = folder.parent.parent / "current"
        if current.is_symlink() or current.exists():
            current.unlink()
        current.symlink_to(lib, target_is_directory=True)
        argv = [python, "-c", CHILD, str(current), "run", "--rcfile", "empty.rc", "--core", core,
                "--source", ".", "--data-file", str(folder.parent.parent / "run.data")]
        argv += (["--branch"] if branch else []) + ["prog.py"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVCORE_", "COVERAGE_"))}
    env.update(PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
                          cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"filetracer_cost: {' '.join(argv[:2])} ... failed:\n{done.stderr[-2000:]}")
    with out.open() as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise SystemExit(f"filetracer_cost: no total in {out}")


def plugin_lines(out: Path, tree: Path) -> int:
    """The instructions callgrind_annotate puts on the plug-in path's source lines."""
    text = subprocess.run(["callgrind_annotate", "--auto=yes", f"--include={tree}", f"--include={tree / 'ctracer'}",
                           "--context=0", str(out)], check=True, capture_output=True, text=True).stdout
    total = 0
    in_ctracer = False
    for line in text.splitlines():
        head = SOURCE_HEAD.match(line)
        if head:
            in_ctracer = "ctracer" in head.group(1) and head.group(1).endswith(".c")
            continue
        if not in_ctracer:
            continue
        match = ANNOTATED.match(line)
        if not match or match.group(1) == ".":
            continue
        code = match.group(2).strip()
        if code.startswith(("/*", "*")) or "PyObject **claimed" in code or "Decide_FileData(" in code:
            continue
        if PLUGIN_LINE.search(code):
            total += int(match.group(1).replace(",", ""))
    return total


def events(python: str, folder: Path) -> dict[str, int]:
    """Call and line events of the program, in any Python file (sys.settrace, once, uninstrumented)."""
    probe = r'''
import runpy, sys
counts = {"call": 0, "line": 0}
here = sys.argv[1]
def tracer(frame, event, arg):
    if event in counts:
        counts[event] += 1
    return tracer
sys.path.insert(0, here)
sys.settrace(tracer)
runpy.run_path(here + "/prog.py", run_name="__main__")
sys.settrace(None)
print(counts["call"], counts["line"])
'''
    done = subprocess.run([python, "-c", probe, str(folder)], cwd=folder, check=True, capture_output=True, text=True)
    calls, lines = done.stdout.split()
    return {"call": int(calls), "line": int(lines)}


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the Python to build for and run")
    parser.add_argument("--revisions", default=DEFAULT_REVISIONS,
                        help=f"git revisions, the reference first, '.' for the work tree as it is "
                             f"(default {DEFAULT_REVISIONS})")
    parser.add_argument("--cores", default="ctrace,pytrace,sysmon", help="cores (sysmon only on 3.12+)")
    parser.add_argument("--modes", default="lines", help="lines, branch or both (lines,branch)")
    parser.add_argument("--no-without", action="store_true",
                        help="don't build the last revision without pytrace's plug-in path (WITHOUT)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="of " + ", ".join(WORKLOADS))
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        raise SystemExit("filetracer_cost: needs valgrind and callgrind_annotate (apt-get install valgrind)")
    python = os.path.abspath(args.python) if os.sep in args.python else args.python
    version = python_version(python)
    cores = [c for c in args.cores.split(",") if c != "sysmon" or tuple(map(int, version.split("."))) >= (3, 12)]
    modes = args.modes.split(",")
    work = CACHE / version / "filetracer_cost"
    names = args.revisions.split(",")
    trees = [source_tree(r) for r in names]
    if not args.no_without:
        trees.append(without_tree(*trees[-1]))
        names.append(f"{names[-1]} without pytrace's plug-in path")
    libs = {short: build(python, tree, work / "build" / short) for short, tree in trees}
    results: dict[str, Any] = {"python": version, "revisions": dict(zip(names, (s for s, _ in trees))),
                               "without": not args.no_without, "runs": []}
    for name in args.workloads.split(","):
        folder = prepare(work, name)
        seen = events(python, folder)
        (work / "callgrind").mkdir(parents=True, exist_ok=True)
        plain = count(python, None, folder, "", False, work / "callgrind" / f"{name}-plain.out")
        for core in cores:
            for mode in modes:
                row: dict[str, Any] = {"workload": name, "core": core, "mode": mode, "plain": plain,
                                       "events": seen, "ir": {}}
                for short, tree in trees:
                    out = work / "callgrind" / f"{name}-{core}-{mode}-{short}.out"
                    row["ir"][short] = count(python, libs[short], folder, core, mode == "branch", out)
                    if core != "pytrace" and short == trees[-2 if results["without"] else -1][0]:
                        row["plugin_lines"] = plugin_lines(out, tree)
                    print(f"{name} {core}/{mode} {short}: {row['ir'][short] / 1e6:.2f} M", file=sys.stderr)
                results["runs"].append(row)
    report = render(results, [s for s, _ in trees], names)
    print(report, end="")
    dest = RESULTS / version
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "filetracer_cost.md").write_text(report)
    (work / "filetracer_cost.json").write_text(json.dumps(results, indent=1))
    return 0


def render(results: dict[str, Any], shorts: list[str], names: list[str]) -> str:
    """The markdown table: each revision's instructions, and the comparisons."""
    ref, tracers = shorts[0], shorts[1]
    comparisons = [(ref, tracers)]
    text = (f"{ref} is the commit before the file tracers, {tracers} the last of that work, so "
            f"`{ref} -> {tracers}` is what the file-tracer work added")
    if results.get("without"):
        last, without = shorts[-2], shorts[-1]
        comparisons.append((without, last))
        text += (f"; `{without} -> {last}` is what pytrace's plug-in path costs in {last} "
                 "(the harness's WITHOUT takes it out of pytracer.py; the C is the same in both "
                 "trees, so on the C cores that column is the noise between two builds)")
    lines = [
        f"# The file-tracer path with no plug-in configured, Python {results['python']}",
        "",
        "Whole-process instructions (callgrind, millions) of `covcore run` from each tree: "
        + ", ".join(f"{s} ({n})" for s, n in zip(shorts, names)) + ". " + text + ". "
        "A change is given as a share of what covcore adds to the plain run (the first tree's run "
        "less the plain one) and, beyond the empty program's change (start-up), per call or line "
        "event beyond the empty program's. Plug-in lines: on the C cores of the tree measured "
        "(the last revision), the instructions on the plug-in path's source lines per call event "
        "(line-level attribution of an optimised build: approximate).",
        "",
        "| workload | core | mode | calls | lines | plain | " + " | ".join(shorts) + " | "
        + " | ".join(f"{a} -> {b}" for a, b in comparisons) + " | plug-in lines per call |",
        "|---|---|---|--:|--:|--:|" + "--:|" * (len(shorts) + len(comparisons) + 1),
    ]
    empty = {(row["core"], row["mode"]): row for row in results["runs"] if row["workload"] == "empty"}
    for row in results["runs"]:
        ir = row["ir"]
        cells = []
        for a, b in comparisons:
            change = ir[b] - ir[a]
            cell = f"{change / (ir[a] - row['plain']):+.2%}"
            base = empty.get((row["core"], row["mode"]))
            if base is not None and base is not row:
                more = sum(row["events"].values()) - sum(base["events"].values())
                cell += f" ({(change - (base['ir'][b] - base['ir'][a])) / max(more, 1):+.1f}/event)"
            cells.append(cell)
        plugin = row.get("plugin_lines")
        lines.append(
            f"| {row['workload']} | {row['core']} | {row['mode']} | {row['events']['call']:,} "
            f"| {row['events']['line']:,} | {row['plain'] / 1e6:.1f} | "
            + " | ".join(f"{ir[s] / 1e6:.2f}" for s in shorts) + " | " + " | ".join(cells) + " | "
            + ("-" if plugin is None else f"{plugin / max(row['events']['call'], 1):.2f}") + " |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

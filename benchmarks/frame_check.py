"""What ctrace's frame check costs per line event, in instructions (callgrind).

ctrace's handle_line compares the event's frame with its innermost stack
entry's before it records the line (``entry->frame != frame``): when they
differ, a tool took the trace function and gave it back (hunter,
coverage.py, a program tracer that raised), and resync_stack brings the
stack in line (docs/trouble.md).  This counts what that test costs on the
path where it never fires.

The extension is built with debug information (``-g``, the usual
optimisation) into ``benchmarks/cache/X.Y/frame_check/``; a child process
loads that build's CTracer directly and runs a loop of straight-line
statements in a measured file (line mode, then arc mode) under valgrind's
callgrind; callgrind_annotate attributes the instructions to ctracer's
source lines.  Reported per line event: the instructions of the check's
line, of the whole of handle_line, and of the trace function with
everything it calls (CTracer_trace, inclusive).  Instruction counts don't
change with the machine's load, where timings of a one-pointer test would.
A run of the same loop untraced gives the whole cost a line event adds,
CPython's tracing machinery included.

    python -m benchmarks.frame_check [--python PATH] [--iterations 20000]

Results go to stdout and ``benchmarks/results/X.Y/frame_check.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
CACHE = HERE / "cache"

BODY = 10                       # statements in the loop body
#: The check, as handle_line writes it (the first of the two such lines in tracer.c).
CHECK = "entry->frame != frame && self->concurrency_id == NULL"
HOT = "def lines(n):\n    for i in range(n):\n" + "".join(f"        a{k} = i\n" for k in range(BODY)) + \
      "    return n\n"

CHILD = r'''
import importlib.machinery, importlib.util, sys
so, hot_dir, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
loader = importlib.machinery.ExtensionFileLoader("_ctracer", so)
spec = importlib.util.spec_from_file_location("_ctracer", so, loader=loader)
ext = importlib.util.module_from_spec(spec)
loader.exec_module(ext)
sys.path.insert(0, hot_dir)
import covbench_frame_hot as hot
tracer = ext.CTracer()
tracer.data = {}
tracer.should_trace_cache = {}
tracer.should_trace = lambda filename, frame: filename if filename.startswith(hot_dir) else None
tracer.trace_arcs = mode == "arcs"
hot.lines(10)
if mode == "plain":
    hot.lines(n)
else:
    tracer.start()
    hot.lines(n)
    tracer.stop()
'''

# callgrind_annotate's lines: "  1,234 (0.5%)  source" or "  1,234  source"; "." for none.
ANNOTATED = re.compile(r"^\s*([\d,]+|\.)\s+(?:\([^)]*\)\s+)?(.*)$")
FUNCTION = re.compile(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(?:\*\s+)?(\S+):(\S+?)(?:'\d+)?\s")


def python_version(python: str) -> str:
    return subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          check=True, capture_output=True, text=True).stdout.strip()


def build(python: str, dest: Path) -> Path:
    """The extension with debug information, built for `python` into `dest`; its .so."""
    if dest.exists():
        shutil.rmtree(dest)
    env = dict(os.environ, CFLAGS="-g", COVCORE_REQUIRE_EXTENSION="1")
    subprocess.run([python, "setup.py", "-q", "build_ext", "--build-temp", str(dest / "tmp"),
                    "--build-lib", str(dest / "lib")], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = sorted((dest / "lib").rglob("_ctracer*.so"))
    if not found:
        raise SystemExit(f"frame_check: no _ctracer*.so under {dest / 'lib'}")
    return found[0]


def count(python: str, so: Path, work: Path, iterations: int, mode: str) -> Path:
    """Run the loop under callgrind (mode: plain, lines or arcs); the callgrind output file."""
    hot_dir = work / "hot"
    hot_dir.mkdir(parents=True, exist_ok=True)
    (hot_dir / "covbench_frame_hot.py").write_text(HOT)
    out = work / f"{mode}.callgrind"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, "-c", CHILD,
                    str(so), str(hot_dir) + os.sep, str(iterations), mode],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def total(out: Path) -> int:
    """The instructions of the whole process."""
    with out.open() as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise SystemExit(f"frame_check: no total in {out}")


def annotate(out: Path) -> tuple[dict[str, int], Optional[int]]:
    """(instructions per function, inclusive), and the check line's instructions."""
    source = ROOT / "ctracer" / "tracer.c"
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(out), str(source)],
                          check=True, capture_output=True, text=True).stdout
    functions: dict[str, int] = {}
    check: Optional[int] = None
    for line in text.splitlines():
        match = FUNCTION.match(line)
        if match:
            name = match.group(3)
            functions[name] = max(functions.get(name, 0), int(match.group(1).replace(",", "")))
            continue
        match = ANNOTATED.match(line)
        if match and CHECK in match.group(2) and check is None:
            check = 0 if match.group(1) == "." else int(match.group(1).replace(",", ""))
    return functions, check


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="the Python to build for and run")
    parser.add_argument("--iterations", type=int, default=20_000, help="loop iterations (11 line events each)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        raise SystemExit("frame_check: needs valgrind and callgrind_annotate (apt-get install valgrind)")
    version = python_version(args.python)
    work = CACHE / version / "frame_check"
    so = build(args.python, work / "build")
    # One line event for the for line and one per statement, each iteration.
    events = args.iterations * (BODY + 1)
    plain = total(count(args.python, so, work, args.iterations, "plain"))
    rows = []
    for mode in ("lines", "arcs"):
        out = count(args.python, so, work, args.iterations, mode)
        functions, check = annotate(out)
        line = functions.get("handle_line")
        rows.append({
            "mode": mode,
            "check": (check or 0) / events,
            "handle_line": None if line is None else line / events,
            "trace": functions.get("CTracer_trace", 0) / events,
            "added": (total(out) - plain) / events,
        })
    lines = [
        f"# ctrace's frame check, Python {version}",
        "",
        f"Instructions per line event (callgrind; {args.iterations:,} iterations of {BODY + 1} lines). "
        "CTracer_trace is covcore's trace function with all it calls (handle_line is inlined into it "
        "when the compiler does so); the last column is everything the traced run executes beyond the "
        "plain one, CPython's tracing machinery included:",
        "",
        "| mode | frame check | handle_line | CTracer_trace, inclusive | whole process, added "
        "| check / trace function | check / added |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        handle = "inlined" if row["handle_line"] is None else f"{row['handle_line']:.1f}"
        lines.append(f"| {row['mode']} | {row['check']:.1f} | {handle} | {row['trace']:.1f} | {row['added']:.1f} "
                     f"| {row['check'] / row['trace']:.1%} | {row['check'] / row['added']:.1%} |")
    report = "\n".join(lines) + "\n"
    print(report, end="")
    dest = RESULTS / version
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "frame_check.md").write_text(report)
    (work / "frame_check.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

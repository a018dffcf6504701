"""Real test suites measured by covcore and by coverage.py: the JSON reports must agree.

For each project (a PyPI sdist, downloaded once into realworld/cache/), the
project's own test suite runs, from a fresh copy of the sdist each time:

1. under ``coverage run --branch --source=PKG -m pytest ...`` (coverage.py's
   C tracer);
2. under ``covcore run --branch --core X --source=PKG -m pytest ...`` for
   each covcore core asked for (all the available ones by default);
3. under coverage.py a second time, to see its own run-to-run noise.

Then ``coverage json`` and ``covcore json`` are compared file by file:
executed and missing lines, executed and missing branches, and the summary.
A file that differs is put down to noise only if coverage.py's two runs
differ on that same file too; any other difference fails the comparison.

    python realworld/compare.py                       # the Python running it
    python realworld/compare.py --python 3.12 --cores ctrace
    python realworld/compare.py --projects jinja2 --covcore-ref HEAD~1

The tools run in a virtualenv of their own, realworld/cache/venv-X.Y, with
the pinned test requirements of requirements.txt and covcore installed from
a commit of this repository (``--covcore-ref``, HEAD by default: work in
progress is not measured).  Both tools are given an empty configuration
file, so the projects' own coverage settings apply to neither.  A
summary table is printed and written to realworld/results/X.Y.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / "cache"
RESULTS = HERE / "results"


@dataclasses.dataclass(frozen=True)
class Project:
    """A project whose test suite is measured."""

    name: str
    version: str
    #: The importable package measured (``--source``).
    package: str
    #: Why it is here: what it exercises.
    kind: str
    #: Where the package is imported from, relative to the sdist's root.
    pythonpath: str = "."
    #: Extra pytest arguments, each with a reason in PROJECTS below.
    pytest_args: tuple[str, ...] = ()
    #: The oldest Python its tests run on.
    requires: tuple[int, int] = (3, 10)


PROJECTS = [
    # sync_to_async and async_to_sync run code in thread pools and in event
    # loops in other threads; Local is tested across threads.
    # The suite leaves thread-pool workers idle at its end; `covcore run`
    # before 47e125a waited for them forever: plugins/realworld_exit.py stops
    # them when pytest finishes, under both tools.
    # Its test helpers use asyncio.timeout(): Python 3.11+.
    Project(
        "asgiref", "3.13.0", "asgiref", "threads (and asyncio)", ".",
        ("-p", "realworld_exit"), (3, 11),
    ),  # fmt: skip
    # Async file objects delegate to a thread executor.  test_access asserts
    # that a file is not writable, which fails when running as root.
    Project(
        "aiofiles", "25.1.0", "aiofiles", "async", "src",
        ("--deselect", "tests/test_os.py::test_access"),
    ),  # fmt: skip
    # Templates are compiled to Python source, then compile()d and exec'd.
    # Its test configuration turns warnings into errors, and pytest-asyncio
    # (installed for the other projects) warns about its own settings.
    Project(
        "jinja2", "3.1.6", "jinja2", "generated code (compile/exec of templates)", "src",
        ("-p", "no:asyncio"),
    ),  # fmt: skip
]

#: Differences that are understood, so they do not fail the comparison:
#: (project, file) -> (lines that only one of the two tools may have seen, why).
#: Nothing else about the file may differ.
EXPLAINED: dict[tuple[str, str], tuple[frozenset[int], str]] = {
    ("jinja2", "src/jinja2/environment.py"): (
        frozenset({1347}),
        "a Template.generate() generator abandoned by test_buffered_streaming is closed by "
        "the cyclic garbage collector; when that collection runs inside a tracer's own "
        "callback (coverage.py's C tracer and covcore's Python core run Python code and "
        "allocate there), tracing is off and the `except Exception:` line its GeneratorExit "
        "passes is not seen, so either tool may miss it, depending on where the collection "
        "lands (docs/differences.md)",
    ),
}

#: Seconds one measured test-suite run may take.
RUN_TIMEOUT = 420

#: The JSON fields compared for each file.
COMPARED = (
    "executed_lines", "missing_lines", "excluded_lines",
    "executed_branches", "missing_branches", "summary",
)  # fmt: skip


def log(message: str) -> None:
    """Progress, on stderr."""
    print(message, file=sys.stderr, flush=True)


def _run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, **kwargs)


def _checked(cmd: list[str], **kwargs: Any) -> str:
    proc = _run(cmd, **kwargs)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def find_python(version: Optional[str]) -> str:
    """The interpreter for `version` ("3.12"): pyenv's if it has one, else
    pythonX.Y on PATH; this one when no version is given."""
    if not version:
        return sys.executable
    try:
        prefix = _checked(["pyenv", "prefix", version]).strip()
        candidate = os.path.join(prefix, "bin", "python")
        if os.path.exists(candidate):
            return candidate
    except (OSError, SystemExit):
        pass
    found = shutil.which(f"python{version}")
    if found and _run([found, "-c", "pass"]).returncode == 0:
        return found
    raise SystemExit(f"no Python {version} found")


def prepare_venv(python: str, ref: str) -> tuple[Path, str]:
    """The tools' virtualenv for `python`, with covcore from commit `ref`."""
    version = _checked([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).strip()
    venv = CACHE / f"venv-{version}"
    vpy = venv / "bin" / "python"
    if not vpy.exists():
        log(f"creating {venv}")
        _checked([python, "-m", "venv", str(venv)])
        _checked([str(vpy), "-m", "pip", "install", "-q", "-r", str(HERE / "requirements.txt")])
    sha = _checked(["git", "-C", str(REPO), "rev-parse", ref]).strip()
    stamp = venv / "covcore-commit"
    if not stamp.exists() or stamp.read_text().strip() != sha:
        log(f"installing covcore {sha[:12]} into {venv}")
        src = CACHE / f"covcore-{sha[:12]}"
        if not src.exists():
            src.mkdir(parents=True)
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", sha], capture_output=True, check=True
            ).stdout
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(src)
        env = dict(os.environ, COVCORE_REQUIRE_EXTENSION="1")
        _checked([str(vpy), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(src)], env=env)
        stamp.write_text(sha + "\n")
    return vpy, version


def sdist(vpy: Path, project: Project) -> Path:
    """The project's sdist, downloaded once."""
    folder = CACHE / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{project.name}-{project.version}".lower()
    for found in folder.glob("*.tar.gz"):
        if found.name.lower().startswith(stem):
            return found
    log(f"downloading {project.name}=={project.version}")
    _checked([str(vpy), "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
              "-d", str(folder), f"{project.name}=={project.version}"])  # fmt: skip
    for found in folder.glob("*.tar.gz"):
        if found.name.lower().startswith(stem):
            return found
    raise SystemExit(f"pip downloaded no sdist for {project.name}=={project.version}")


@dataclasses.dataclass
class Run:
    """One measured run of a test suite."""

    label: str
    seconds: float
    pytest_status: int
    pytest_summary: str
    #: Relative file name -> its JSON entry (None if the run produced no report).
    files: Optional[dict[str, Any]]
    error: str = ""


def _pytest_summary(output: str) -> str:
    for line in reversed(output.strip().splitlines()):
        if re.search(r"\d+ (passed|failed|error)", line):
            return line.strip("= ")
    return "(no pytest summary)"


def _counts(run: Run) -> str:
    """The pytest summary without its timing."""
    return re.sub(r" in [\d.]+s.*$", "", run.pytest_summary)


def measure(vpy: Path, project: Project, archive: Path, workdir: Path, tool: str, core: str) -> Run:
    """Run the project's tests under `tool` ("coverage" or "covcore") in a fresh copy."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(workdir)
    [root] = [p for p in workdir.iterdir() if p.is_dir()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "COVCORE_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(root / project.pythonpath), str(HERE / "plugins")]),
        PYTHONHASHSEED="0",
    )
    pytest = ["-m", "pytest", "-q", "-p", "no:cacheprovider", *project.pytest_args]
    # Neither tool reads the project's own coverage settings (covcore falls
    # back to coverage.py's configuration files): both get an empty one.
    (root / "empty.rc").write_text("")
    if tool == "coverage":
        env["COVERAGE_CORE"] = "ctrace"
        run = [str(vpy), "-m", "coverage", "run", "--rcfile=empty.rc", "--branch",
               f"--source={project.package}", *pytest]  # fmt: skip
        report = [str(vpy), "-m", "coverage", "json", "--rcfile=empty.rc", "-q", "-o", "report.json"]
    else:
        run = [str(vpy), "-m", "covcore", "run", "--rcfile=empty.rc", "--branch", "--core", core,
               f"--source={project.package}", *pytest]  # fmt: skip
        report = [str(vpy), "-m", "covcore", "json", "--rcfile=empty.rc", "-o", "report.json"]
    label = "coverage.py" if tool == "coverage" else f"covcore {core}"
    start = time.perf_counter()
    try:
        proc = _run(run, cwd=root, env=env, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return Run(label, time.perf_counter() - start, -1, "(timed out)", None,
                   f"timed out after {RUN_TIMEOUT} s")  # fmt: skip
    seconds = time.perf_counter() - start
    summary = _pytest_summary(proc.stdout)
    made = _run(report, cwd=root, env=env, timeout=600)
    if made.returncode != 0 or not (root / "report.json").exists():
        return Run(label, seconds, proc.returncode, summary, None,
                   f"no JSON report: {made.stderr[-1500:]}{proc.stderr[-1500:]}")  # fmt: skip
    files = json.loads((root / "report.json").read_text())["files"]
    return Run(label, seconds, proc.returncode, summary, files)


def explained(project: str, name: str, theirs: dict[str, Any], ours: dict[str, Any]) -> str:
    """Why `ours` may differ from `theirs` for this file, or "" if it may not."""
    known = EXPLAINED.get((project, name))
    if known is None:
        return ""
    extra, reason = known
    same_branches = all(
        theirs.get(key) == ours.get(key) for key in ("executed_branches", "missing_branches")
    )
    added = set(ours["executed_lines"]) - set(theirs["executed_lines"])
    lost = set(theirs["executed_lines"]) - set(ours["executed_lines"])
    if same_branches and added <= extra and lost <= extra:
        return reason
    return ""


def differing_files(a: dict[str, Any], b: dict[str, Any]) -> dict[str, list[str]]:
    """File -> the compared fields that differ between two reports' ``files``."""
    out: dict[str, list[str]] = {}
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            out[name] = ["measured by one tool only"]
            continue
        fields = [key for key in COMPARED if a[name].get(key) != b[name].get(key)]
        if fields:
            out[name] = fields
    return out


def compare_project(vpy: Path, version: str, project: Project, cores: list[str]) -> tuple[list[str], bool]:
    """Measure one project with every tool; (markdown lines, agreed?)."""
    archive = sdist(vpy, project)
    base = CACHE / "runs" / version / project.name
    plan = [("coverage", "ctrace", "coverage-1")] + [("covcore", c, f"covcore-{c}") for c in cores]
    plan.append(("coverage", "ctrace", "coverage-2"))
    runs: dict[str, Run] = {}
    for tool, core, key in plan:
        log(f"  {project.name}: {key} ...")
        runs[key] = measure(vpy, project, archive, base / key, tool, core)
        log(f"    {runs[key].pytest_summary} ({runs[key].seconds:.1f} s)")

    lines = [f"### {project.name} {project.version}: {project.kind}", ""]
    lines.append("| run | pytest | exit | time (s) | files | identical to coverage.py run 1 |")
    lines.append("|---|---|--:|--:|--:|---|")
    first = runs["coverage-1"]
    second = runs["coverage-2"]
    ok = first.files is not None and second.files is not None
    noise = differing_files(first.files or {}, second.files or {})
    notes: list[str] = []
    for key, run in runs.items():
        if run.files is None:
            verdict = f"no report: {run.error.strip().splitlines()[-1:]}"
            ok = False
        elif key == "coverage-1":
            verdict = "(reference)"
        else:
            diffs = differing_files(first.files or {}, run.files)
            reasons = {
                name: explained(project.name, name, (first.files or {})[name], run.files[name])
                for name in diffs
                if name in (first.files or {}) and name in run.files
            }
            real = {f: d for f, d in diffs.items() if f not in noise and not reasons.get(f)}
            if key == "coverage-2":
                verdict = "yes" if not diffs else f"{len(diffs)} files differ (coverage.py's own noise)"
            elif not diffs:
                verdict = "yes, every file"
            elif not real:
                verdict = f"all but {len(diffs)} files: differences explained below"
            else:
                verdict = f"**NO: {len(real)} files differ**"
                ok = False
            for name, fields in sorted(diffs.items()):
                if name in noise:
                    tag = "noise: coverage.py's two runs differ here too"
                elif reasons.get(name):
                    tag = f"explained: {reasons[name]}"
                else:
                    tag = "DIFFERENCE"
                notes.append(f"- {run.label}: `{name}`: {', '.join(fields)} ({tag})")
        if run.pytest_status != first.pytest_status or _counts(run) != _counts(first):
            notes.append(f"- {run.label}: pytest said `{run.pytest_summary}` (exit {run.pytest_status})")
        count = len(run.files) if run.files is not None else "-"
        lines.append(f"| {run.label}{' (again)' if key == 'coverage-2' else ''} | {_counts(run)} | "
                     f"{run.pytest_status} | {run.seconds:.1f} | {count} | {verdict} |")  # fmt: skip
    lines.append("")
    lines.extend(notes)
    if notes:
        lines.append("")
    return lines, ok


def main(argv: Optional[list[str]] = None) -> int:
    """Compare every project; print and save the summary; 1 if any real difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", help="the Python version to use (default: this one)")
    parser.add_argument("--cores", help="covcore cores, comma-separated (default: all available)")
    parser.add_argument("--projects", help="project names, comma-separated (default: all)")
    parser.add_argument("--covcore-ref", default="HEAD", help="the commit of covcore to measure with")
    args = parser.parse_args(argv)

    vpy, version = prepare_venv(find_python(args.python), args.covcore_ref)
    available = _checked([str(vpy), "-c", "import covcore.cores as c; print(','.join(c.available_cores()))"])
    cores = (args.cores or available).strip().split(",")
    chosen = set(args.projects.split(",")) if args.projects else None
    projects = [p for p in PROJECTS if chosen is None or p.name in chosen]
    coverage_version = _checked([str(vpy), "-c", "import coverage; print(coverage.__version__)"]).strip()
    sha = _checked(["git", "-C", str(REPO), "rev-parse", "--short=12", args.covcore_ref]).strip()

    out = [
        f"## Python {version}: covcore {sha} vs coverage.py {coverage_version}",
        "",
        f"`--branch --source=PKG -m pytest`, cores: {', '.join(cores)}. Compared per file: "
        + ", ".join(f"`{f}`" for f in COMPARED) + ".",
        "",
    ]  # fmt: skip
    all_ok = True
    for project in projects:
        if tuple(int(n) for n in version.split(".")) < project.requires:
            out += [f"### {project.name} {project.version}: {project.kind}", "",
                    "Skipped: its tests need Python {}.{}.".format(*project.requires), ""]
            continue
        log(f"{project.name} {project.version} on Python {version}")
        lines, ok = compare_project(vpy, version, project, cores)
        out.extend(lines)
        all_ok = all_ok and ok
    out.append(f"Result: {'every project agrees' if all_ok else 'DIFFERENCES FOUND'}.")
    text = "\n".join(out) + "\n"
    print(text)
    if chosen is None:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{version}.md").write_text(text)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())

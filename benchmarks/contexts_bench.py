"""Per-test contexts: what recording each test's contexts costs, covcore vs coverage.py.

A generated test suite (``--tests`` tests over ``--modules`` modules, each
test calling code in several modules) runs under pytest:

* ``plain``: no measurement;
* ``covcore``: ``pytest --covcore=PKG --covcore-report=``, and with
  ``--covcore-context=test`` (the plugin switches context at each test phase);
* ``coverage.py``: ``pytest --cov=PKG --cov-report=`` (pytest-cov), and with
  ``--cov-context=test``, on coverage.py's C tracer and its sys.monitoring
  core (``COVERAGE_CORE``).

Each is run ``--repeat`` times (default 5), in rotating order; the median
CPU time of the pytest process (user + system: steadier than wall time on a
busy machine) is shown, its ratio to plain, and the cost of contexts: the
difference with and without them, per test.  The tools live in a virtualenv
of their own (``benchmarks/cache/contexts/venv-X.Y``, pinned versions below,
covcore installed from this working tree).  Results go to stdout and to
``benchmarks/results/X.Y/contexts.md``.

    python -m benchmarks.contexts_bench [--python 3.12] [--tests 2000] [--repeat 5]
    make bench-contexts CONTEXTS_BENCH_ARGS="--repeat 3"

``--no-venv`` uses the interpreter's own packages instead (a smoke run, as
in tests/test_bench_smoke.py), ``--out DIR`` writes the results and the
generated suite under DIR instead of the repository.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import resource
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "cache" / "contexts"
PINNED = ["coverage==7.18.0", "pytest==9.2.0", "pytest-cov==7.1.0"]


def _venv(python: str) -> Path:
    """The benchmark virtualenv for `python` (made once; covcore reinstalled each run)."""
    version = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    venv = CACHE / f"venv-{version}"
    vpy = venv / "bin" / "python"
    if not vpy.exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(vpy), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(vpy), "-m", "pip", "install", "-q", *PINNED], check=True)
    env = dict(os.environ, COVCORE_REQUIRE_EXTENSION="1")
    subprocess.run([str(vpy), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(ROOT)],
                   check=True, env=env)
    return venv


def _suite(base: Path, tests: int, modules: int) -> Path:
    """A package `ctxwork` and `tests` tests exercising it."""
    suite = base / f"suite-{tests}-{modules}"
    if suite.exists():
        return suite
    pkg = suite / "ctxwork"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for m in range(modules):
        body = [f"def f{m}_{k}(x):\n    if x % {k + 2}:\n        return x + {k}\n    return x * {k}\n"
                for k in range(10)]
        body.append(
            f"def chain{m}(x):\n    total = 0\n    for i in range(x % 7):\n"
            + "".join(f"        total += f{m}_{k}(i)\n" for k in range(10))
            + "    return total\n"
        )
        (pkg / f"mod{m}.py").write_text("\n".join(body))
    lines = ["import ctxwork." + ", ctxwork.".join(f"mod{m}" for m in range(modules)), ""]
    for t in range(tests):
        calls = "".join(f"    ctxwork.mod{(t + j) % modules}.chain{(t + j) % modules}({t + j})\n" for j in range(3))
        lines.append(f"def test_{t}():\n{calls}")
    (suite / "test_work.py").write_text("\n".join(lines))
    (suite / "conftest.py").write_text("")
    # Its own pytest settings: not those of the repository around it.
    (suite / "pytest.ini").write_text("[pytest]\n")
    return suite


TOOLS = {
    "plain": ([], {}),
    "covcore": (["--covcore=ctxwork", "--covcore-report="], {}),
    "covcore + contexts": (["--covcore=ctxwork", "--covcore-report=", "--covcore-context=test"], {}),
    "coverage.py ctrace": (["--cov=ctxwork", "--cov-report="], {"COVERAGE_CORE": "ctrace"}),
    "coverage.py ctrace + contexts": (
        ["--cov=ctxwork", "--cov-report=", "--cov-context=test"], {"COVERAGE_CORE": "ctrace"}),
    "coverage.py sysmon": (["--cov=ctxwork", "--cov-report="], {"COVERAGE_CORE": "sysmon"}),
    "coverage.py sysmon + contexts": (
        ["--cov=ctxwork", "--cov-report=", "--cov-context=test"], {"COVERAGE_CORE": "sysmon"}),
}


def _run(vpy: Path, suite: Path, args: list[str], extra_env: dict[str, str]) -> float:
    """The CPU seconds (user + system) of one pytest run."""
    for name in (".covcore", ".coverage"):
        (suite / name).unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVCORE_", "COVERAGE_", "PYTEST_"))}
    env.update(extra_env)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [str(vpy), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=suite, env=env, capture_output=True, text=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


_COUNT_PAIRS = """\
import os, sys
if sys.argv[1] == "covcore":
    from covcore.data import CoverageData
    data = CoverageData(".covcore")
else:
    from coverage import CoverageData
    data = CoverageData(".coverage")
data.read()
print(sum(len(names) for path in data.measured_files() for names in data.contexts_by_lineno(path).values()))
"""


def _pairs(vpy: Path, suite: Path, tool: str) -> int:
    """How many (line, context) pairs the last run recorded: complete context data has them all."""
    result = subprocess.run([str(vpy), "-c", _COUNT_PAIRS, tool], cwd=suite, capture_output=True, text=True,
                            check=True)
    return int(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter, or a version like 3.12")
    parser.add_argument("--tests", type=int, default=2000)
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-venv", action="store_true",
                        help="use the interpreter's own covcore, coverage.py and pytest-cov (no virtualenv)")
    parser.add_argument("--out", type=Path, default=None,
                        help="write the results and the suite here (default: benchmarks/results, benchmarks/cache)")
    opts = parser.parse_args()
    python = opts.python
    if python[:1].isdigit():
        python = shutil.which(f"python{python}") or python
    vpy = Path(python) if opts.no_venv else _venv(python) / "bin" / "python"
    suite = _suite(opts.out or CACHE, opts.tests, opts.modules)
    times: dict[str, list[float]] = {name: [] for name in TOOLS}
    pairs: dict[str, int] = {}
    names = list(TOOLS)
    for rep in range(opts.repeat):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for name in order:
            args, env = TOOLS[name]
            times[name].append(_run(vpy, suite, args, env))
            if name.endswith(" + contexts"):
                pairs[name] = _pairs(vpy, suite, "covcore" if name.startswith("covcore") else "coverage")
        print(f"repetition {rep + 1}/{opts.repeat} done", file=sys.stderr)
    version = subprocess.run([str(vpy), "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True).stdout.strip()
    median = {name: statistics.median(values) for name, values in times.items()}
    plain = median["plain"]
    out = [
        f"# Per-test contexts: {opts.tests} tests, {opts.modules} modules, Python {version}",
        "",
        f"Median CPU time (user + system) of {opts.repeat} runs; `ctx cost` is the time contexts add,",
        "per test; `(line, context) pairs` counts what the data file holds afterwards (every tool",
        "should record the same pairs: fewer means context data was lost).",
        "",
        "| tool | CPU seconds | × plain | ctx cost per test | (line, context) pairs |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in names:
        cost = count = ""
        if name.endswith(" + contexts"):
            base = median[name[: -len(" + contexts")]]
            cost = f"{(median[name] - base) / opts.tests * 1e6:.0f} µs"
            count = str(pairs[name])
        out.append(f"| {name} | {median[name]:.2f} | {median[name] / plain:.2f} | {cost} | {count} |")
    text = "\n".join(out) + "\n"
    print(text)
    results = (opts.out or HERE / "results") / ".".join(version.split(".")[:2])
    results.mkdir(parents=True, exist_ok=True)
    (results / "contexts.md").write_text(text)


if __name__ == "__main__":
    main()

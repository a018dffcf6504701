"""File-tracer plug-ins (coverage.py's FileTracer and FileReporter) on every core.

A small template plug-in written here, then the real ones from PyPI:
django_coverage_plugin on a Django project with templates, and
Cython.Coverage on a .pyx module compiled here with line tracing.  Each is
compared with coverage.py 7.18 on the same program (its ctrace core: the
only one of coverage.py's that runs file tracers): the lines measured in
the plug-in's files, and the reports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from covcore.data import CoverageData

from conftest import run_covcore

MakeFile = Callable[[str, str], Path]

#: A template "engine" (engine.py) and a plug-in measuring its templates:
#: render_line(path, lineno, text) renders line `lineno` of template `path`.
ENGINE = """\
    def render_line(path, lineno, text):
        return text.upper()

    def render(path, flag=False):
        with open(path) as f:
            lines = f.read().splitlines()
        out = []
        for i, text in enumerate(lines, 1):
            if text.startswith("skip") and not flag:
                continue
            out.append(render_line(path, i, text))
        return out

    def many(path):
        for _ in range(3):
            yield render(path)
"""

TEMPLATE_PLUGIN = """\
    import os
    import coverage.plugin

    FAIL = os.environ.get("TPL_FAIL", "")

    class Plugin(coverage.plugin.CoveragePlugin, coverage.plugin.FileTracer):
        def file_tracer(self, filename):
            if FAIL == "file_tracer":
                raise ValueError("no tracer today")
            if os.path.basename(filename) == "engine.py":
                return self
            return None

        def file_reporter(self, filename):
            return Reporter(filename)

        def find_executable_files(self, src_dir):
            for dirpath, _, names in os.walk(src_dir):
                for name in names:
                    if name.endswith(".tpl"):
                        yield os.path.join(dirpath, name)

        def has_dynamic_source_filename(self):
            return True

        def dynamic_source_filename(self, filename, frame):
            if FAIL == "dynamic_source_filename":
                raise ValueError("no name today")
            if frame.f_code.co_name != "render_line":
                return None
            return frame.f_locals["path"]

        def line_number_range(self, frame):
            if FAIL == "line_number_range":
                raise ValueError("no lines today")
            n = frame.f_locals["lineno"]
            return n, n

    class Reporter(coverage.plugin.FileReporter):
        def lines(self):
            with open(self.filename) as f:
                return {i for i, line in enumerate(f, 1) if line.strip() and not line.startswith("#")}

        def excluded_lines(self):
            with open(self.filename) as f:
                return {i for i, line in enumerate(f, 1) if "nocover" in line}

    def coverage_init(reg, options):
        reg.add_file_tracer(Plugin())
"""

TEMPLATE_PROGRAM = """\
    import threading
    import engine
    print(engine.render("tpls/a.tpl"))
    print(list(engine.many("tpls/c.tpl")))
    # In another thread, the line the main thread skipped.
    worker = threading.Thread(target=lambda: print(engine.render("tpls/t.tpl", flag=True)))
    worker.start()
    worker.join()
"""


def _run(args: list[str], cwd: Path, env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COVERAGE_CORE": "ctrace", **(env or {})}
    full_env.pop("COVCORE_CORE", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=full_env)


def _coverage_py(cwd: Path, args: list[str], env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    """coverage.py 7 (the oracle), with its ctrace core."""
    return _run(["-m", "coverage", *args], cwd, env)


def _measured(cwd: Path, suffix: str, ours: bool) -> dict[str, Any]:
    """file (relative) -> (sorted lines or arcs, plug-in) from a data file."""
    out: dict[str, Any] = {}
    if ours:
        data = CoverageData(str(cwd / ".covcore"))
        data.read()
        files, get = data.measured_files(), data
    else:
        import coverage

        theirs = coverage.CoverageData(str(cwd / ".coverage"))
        theirs.read()
        files, get = theirs.measured_files(), theirs   # type: ignore[assignment]
    for path in files:
        if path.endswith(suffix):
            items = get.arcs(path) if get.has_arcs() else get.lines(path)
            out[os.path.relpath(path, cwd)] = (sorted(items or []), get.file_tracer(path))
    return out


@pytest.fixture
def template_project(tmp_path: Path, make_file: MakeFile) -> Path:
    make_file("engine.py", ENGINE)
    make_file("tplplugin.py", TEMPLATE_PLUGIN)
    make_file("tpls/a.tpl", "hello\n# comment\nskip me\nworld\n\nend nocover\n")
    make_file("tpls/c.tpl", "one\ntwo\n")
    make_file("tpls/never.tpl", "never\nrun\n")
    make_file("tpls/t.tpl", "skip not\nthreaded\n")
    make_file("prog.py", TEMPLATE_PROGRAM)
    make_file(".coveragerc", "[run]\nplugins = tplplugin\nsource = .\n")
    return tmp_path


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branch"])
def test_a_template_plugin_measures_like_coverage_py(template_project: Path, core: str, branch: bool) -> None:
    flag = ["--branch"] if branch else []
    ours = run_covcore(["run", "--core", core, *flag, "prog.py"], template_project, env={"PYTHONPATH": "."})
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == ""
    theirs = _coverage_py(template_project, ["run", *flag, "prog.py"], env={"PYTHONPATH": "."})
    assert theirs.returncode == 0, theirs.stderr
    assert ours.stdout == theirs.stdout
    measured = _measured(template_project, ".tpl", ours=True)
    assert measured == _measured(template_project, ".tpl", ours=False)
    assert set(measured) == {"tpls/a.tpl", "tpls/c.tpl", "tpls/never.tpl", "tpls/t.tpl"}
    assert measured["tpls/t.tpl"][0], "the thread's template lines were measured"
    assert {plugin for _, plugin in measured.values()} == {"tplplugin.Plugin"}
    report = run_covcore(["report", "-m"], template_project)
    assert report.returncode == 0, report.stderr
    assert report.stdout == _coverage_py(template_project, ["report", "-m"]).stdout


@pytest.mark.parametrize("method", ["file_tracer", "dynamic_source_filename", "line_number_range"])
def test_a_failing_file_tracer_is_one_warning(template_project: Path, core: str, method: str) -> None:
    result = run_covcore(["run", "--core", core, "prog.py"], template_project,
                         env={"PYTHONPATH": ".", "TPL_FAIL": method})
    assert result.returncode == 0, result.stderr
    assert "HELLO" in result.stdout and "['ONE', 'TWO']" in result.stdout
    assert result.stderr.splitlines() == [
        f"covcore: warning: Disabling plug-in 'tplplugin.Plugin' due to an exception in {method}: "
        f"ValueError: no {({'file_tracer': 'tracer', 'dynamic_source_filename': 'name'}).get(method, 'lines')} today"
    ]
    # Nothing was recorded through the plug-in before it failed; the Python files are measured.
    measured = _measured(template_project, ".py", ours=True)
    assert "prog.py" in measured


def test_the_reports_use_the_plugins_file_reporter(template_project: Path) -> None:
    assert run_covcore(["run", "--branch", "prog.py"], template_project, env={"PYTHONPATH": "."}).returncode == 0
    assert _coverage_py(template_project, ["run", "--branch", "prog.py"], env={"PYTHONPATH": "."}).returncode == 0
    for command in (["json", "-o", "{}.json"], ["xml", "-o", "{}.xml"], ["lcov", "-o", "{}.lcov"]):
        ours = run_covcore([a.format("ours") for a in command], template_project)
        assert ours.returncode == 0, ours.stderr
        theirs = _coverage_py(template_project, [a.format("theirs") for a in command])
        assert theirs.returncode == 0, theirs.stderr
    ours_json = json.loads((template_project / "ours.json").read_text())
    theirs_json = json.loads((template_project / "theirs.json").read_text())
    assert ours_json["totals"] == theirs_json["totals"]
    for name in ("tpls/a.tpl", "tpls/c.tpl", "tpls/never.tpl"):
        for key in ("executed_lines", "missing_lines", "excluded_lines", "summary"):
            assert ours_json["files"][name][key] == theirs_json["files"][name][key], (name, key)

    def lcov_lines(name: str) -> list[str]:
        return [line for line in (template_project / name).read_text().splitlines() if line.startswith(("SF:", "DA:"))]
    assert lcov_lines("ours.lcov") == lcov_lines("theirs.lcov")
    assert 'filename="tpls/a.tpl"' in (template_project / "ours.xml").read_text()
    html = run_covcore(["html"], template_project)
    assert html.returncode == 0, html.stderr
    pages = [p for p in (template_project / "htmlcov").glob("*a_tpl*.html")]
    assert len(pages) == 1
    page = pages[0].read_text()
    assert "world" in page and "skip me" in page


def test_the_plugin_survives_combine_and_export(template_project: Path) -> None:
    (template_project / ".coveragerc").write_text("[run]\nplugins = tplplugin\nsource = .\nparallel = true\n")
    assert run_covcore(["run", "prog.py"], template_project, env={"PYTHONPATH": "."}).returncode == 0
    combine = run_covcore(["combine"], template_project)
    assert combine.returncode == 0, combine.stderr
    measured = _measured(template_project, ".tpl", ours=True)
    assert measured["tpls/a.tpl"] == ([1, 2, 4, 5, 6], "tplplugin.Plugin")
    export = run_covcore(["export", "-o", ".coverage"], template_project)
    assert export.returncode == 0, export.stderr
    assert _measured(template_project, ".tpl", ours=False) == measured
    report = _coverage_py(template_project, ["report"])
    assert report.returncode == 0, report.stderr
    assert "tpls/a.tpl" in report.stdout


def test_debug_sys_lists_file_tracers(template_project: Path) -> None:
    result = run_covcore(["debug", "sys"], template_project, env={"PYTHONPATH": "."})
    assert result.returncode == 0, result.stderr
    assert "plugin: tplplugin.Plugin (file tracer)" in [" ".join(line.split()) for line in result.stdout.splitlines()]


# -- Django templates ------------------------------------------------------------

DJANGO_SETTINGS = """\
    import os
    BASE = os.path.dirname(os.path.abspath(__file__))
    SECRET_KEY = "not secret"
    INSTALLED_APPS = []
    TEMPLATES = [{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(BASE, "templates")],
        "OPTIONS": {"debug": True},
    }]
"""

DJANGO_PROGRAM = """\
    import os
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    import django
    django.setup()
    from django.template.loader import render_to_string

    def page(title, items):
        return render_to_string("page.html", {"title": title, "items": items, "year": 2026})

    print(page("T", [1, 2]))
    print(page("Empty", []))
    print(render_to_string("list.html", {"rows": [{"name": "a", "ok": True}, {"name": "b", "ok": False}]}))
"""

DJANGO_TEMPLATES = {
    "page.html": """\
        <h1>{{ title }}</h1>
        {% if items %}
        <ul>
        {% for item in items %}
          <li>{{ item }}</li>
        {% endfor %}
        </ul>
        {% else %}
        <p>Nothing.</p>
        {% endif %}
        {% include "footer.html" %}
    """,
    "footer.html": """\
        <footer>
        {% if year %}{{ year }}{% else %}no year{% endif %}
        </footer>
    """,
    "list.html": """\
        {% for row in rows %}
          {% if row.ok %}
            <b>{{ row.name }}</b>
          {% elif row.name == "zzz" %}
            never
          {% else %}
            <i>{{ row.name|upper }}</i>
          {% endif %}
        {% empty %}
          none
        {% endfor %}
        {% comment %}
          not rendered
        {% endcomment %}
    """,
    "unused.html": "<p>{{ never }}</p>\n",
}


@pytest.fixture
def django_project(tmp_path: Path, make_file: MakeFile) -> Path:
    pytest.importorskip("django_coverage_plugin", reason="needs django_coverage_plugin (test extras)")
    make_file("settings.py", DJANGO_SETTINGS)
    make_file("prog.py", DJANGO_PROGRAM)
    for name, text in DJANGO_TEMPLATES.items():
        make_file(f"templates/{name}", text)
    make_file(".coveragerc", "[run]\nplugins = django_coverage_plugin\nsource = .\n")
    return tmp_path


@pytest.mark.parametrize("branch", [False, True], ids=["lines", "branch"])
def test_django_templates_measure_like_coverage_py(django_project: Path, core: str, branch: bool) -> None:
    flag = ["--branch"] if branch else []
    ours = run_covcore(["run", "--core", core, *flag, "prog.py"], django_project, env={"PYTHONPATH": "."})
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == ""
    theirs = _coverage_py(django_project, ["run", *flag, "prog.py"], env={"PYTHONPATH": "."})
    assert theirs.returncode == 0, theirs.stderr
    assert ours.stdout == theirs.stdout
    measured = _measured(django_project, ".html", ours=True)
    assert measured == _measured(django_project, ".html", ours=False)
    assert sorted(measured) == ["templates/footer.html", "templates/list.html", "templates/page.html",
                                "templates/unused.html"]
    assert {plugin for _, plugin in measured.values()} == {"django_coverage_plugin.DjangoTemplatePlugin"}
    assert measured["templates/page.html"][0], "template lines were measured"
    report = run_covcore(["report", "-m"], django_project)
    assert report.returncode == 0, report.stderr
    assert report.stdout == _coverage_py(django_project, ["report", "-m"]).stdout
    html = run_covcore(["html"], django_project)
    assert html.returncode == 0, html.stderr
    assert any("Nothing." in page.read_text() for page in (django_project / "htmlcov").glob("*page_html*.html"))


# -- Cython ------------------------------------------------------------------------

CYTHON_MODULE = """\
    # cython: linetrace=True
    def classify(int n):
        cdef int total = 0
        if n < 0:
            return "negative"
        for i in range(n):
            total += i
        if total > 100:
            return "big"
        return "small"

    cdef int helper(int x):
        return x + 1

    def twice(int x):
        y = helper(x)
        return y * 2

    def unused():
        return 42
"""

CYTHON_SETUP = """\
    import os
    from setuptools import Extension, setup
    from Cython.Build import cythonize

    macros = [("CYTHON_TRACE", "1")]
    if os.environ.get("USE_SYS_MONITORING"):
        macros.append(("CYTHON_USE_SYS_MONITORING", os.environ["USE_SYS_MONITORING"]))
    ext = Extension("fastmath", ["fastmath.pyx"], define_macros=macros)
    setup(ext_modules=cythonize([ext], compiler_directives={"linetrace": True, "language_level": 3}, quiet=True))
"""

CYTHON_PROGRAM = """\
    import fastmath
    print(fastmath.classify(5), fastmath.classify(30), fastmath.twice(3))
"""

#: How a Cython module built here reports its lines: Cython 3.1+ uses
#: sys.monitoring's C API from 3.13 on, unless built with
#: CYTHON_USE_SYS_MONITORING=0; settrace before 3.13.
CYTHON_BUILDS = ["settrace", "monitoring"] if sys.version_info >= (3, 13) else ["settrace"]


@pytest.fixture(scope="module", params=CYTHON_BUILDS)
def cython_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    pytest.importorskip("Cython", reason="needs Cython (test extras)")
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip(f"needs a C compiler ({compiler})")
    mode = str(request.param)
    root = tmp_path_factory.mktemp(f"cython-{mode}")
    (root / "fastmath.pyx").write_text(textwrap.dedent(CYTHON_MODULE))
    (root / "setup.py").write_text(textwrap.dedent(CYTHON_SETUP))
    env = {**os.environ, "USE_SYS_MONITORING": "0" if mode == "settrace" and sys.version_info >= (3, 13) else ""}
    built = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=root,
                           capture_output=True, text=True, timeout=300, env=env)
    assert built.returncode == 0, built.stderr
    (root / "setup.py").unlink()
    shutil.rmtree(root / "build", ignore_errors=True)
    return root, mode


@pytest.fixture
def cython_project(cython_build: tuple[Path, str], tmp_path: Path, make_file: MakeFile) -> tuple[Path, str]:
    root, mode = cython_build
    for item in root.iterdir():
        shutil.copy(item, tmp_path / item.name)
    make_file("prog.py", CYTHON_PROGRAM)
    make_file(".coveragerc", "[run]\nplugins = Cython.Coverage\nsource = .\n")
    return tmp_path, mode


def test_cython_modules_measure_like_coverage_py(cython_project: tuple[Path, str], core: str) -> None:
    project, mode = cython_project
    ours = run_covcore(["run", "--core", core, "prog.py"], project, env={"PYTHONPATH": "."})
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == "small big 8\n"
    measured = _measured(project, ".pyx", ours=True)
    theirs = _coverage_py(project, ["run", "prog.py"], env={"PYTHONPATH": "."})
    assert theirs.returncode == 0, theirs.stderr
    if mode == "monitoring":
        # Through sys.monitoring's C API a compiled function has no frame,
        # and the plug-in interface asks about frames: neither coverage.py
        # nor covcore measures the .pyx file (docs/trouble.md).
        assert measured == _measured(project, ".pyx", ours=False) == {}
        return
    if core == "sysmon":
        # Cython's settrace-style line tracing calls the settrace function,
        # and the sysmon core installs none: nothing reaches the plug-in (as
        # with coverage.py's sysmon core, which runs no file tracers at all).
        assert measured == {}
        return
    assert measured == _measured(project, ".pyx", ours=False)
    lines, plugin = measured["fastmath.pyx"]
    assert plugin == "Cython.Coverage.Plugin"
    assert {3, 4, 6, 7, 8, 10} <= set(lines) and 5 not in lines and 20 not in lines
    report = run_covcore(["report", "-m"], project)
    assert report.returncode == 0, report.stderr
    assert report.stdout == _coverage_py(project, ["report", "-m"]).stdout

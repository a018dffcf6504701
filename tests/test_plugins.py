"""coverage.py's plug-in interface: ``[run] plugins`` and ``coverage_init``.

Configurer plug-ins (the real covdefaults from PyPI, compared with
coverage.py on the same project), dynamic-context plug-ins (one written
here, on every core, compared with coverage.py), ``covcore debug sys``,
and the one-line errors of a plug-in that fails.  File-tracer plug-ins:
tests/test_plugin_tracers.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable

import coverage
import pytest
from coverage.config import CoverageConfig

from covcore.config import Config
from covcore.exceptions import ConfigError
from covcore.plugins import ConfigView

from conftest import run_covcore

MakeFile = Callable[[str, str], Path]

#: A plug-in of each kind; coverage_init writes the options it was given.
PLUGIN_MODULE = """\
    import json

    class Configurer:
        def configure(self, config):
            config.set_option("report:show_missing", True)

    class Contexts:
        def dynamic_context(self, frame):
            name = frame.f_code.co_name
            return "job:" + name if name.startswith("job_") else None

    class Tracer:
        def file_tracer(self, filename):
            return None

    class Nothing:
        pass

    def coverage_init(reg, options):
        with open("options.json", "w") as f:
            json.dump(options, f)
        kinds = options.get("kinds", "noop").split()
        if "configurer" in kinds:
            reg.add_configurer(Configurer())
        if "contexts" in kinds:
            reg.add_dynamic_context(Contexts())
        if "tracer" in kinds:
            reg.add_file_tracer(Tracer())
        if "noop" in kinds:
            reg.add_noop(Nothing())
"""

#: Contexts start in job_* functions; helper runs in several of them.
CONTEXT_PROGRAM = """\
    def helper(x):
        if x:
            return 1
        return 2

    def job_a():
        return helper(1)

    def job_b():
        helper(0)
        return job_a()

    def gen():
        yield helper(1)

    def job_c():
        return list(gen())

    def job_fails():
        raise ValueError

    helper(1)
    job_a()
    job_b()
    job_c()
    try:
        job_fails()
    except ValueError:
        pass
    job_a()

    def job_gen():
        yield helper(1)
        yield helper(0)

    steps = job_gen()
    next(steps)
    helper(0)
    next(steps)
"""


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _config_text(style: str, run: dict[str, list[str]], plugin: str, options: dict[str, str]) -> tuple[str, str]:
    """(file name, text) of a config file of `style` with [run] lists and a plug-in section."""
    if style == "pyproject.toml":
        lines = ["[tool.coverage.run]", *(f"{k} = {json.dumps(v)}" for k, v in run.items())]
        lines += [f"[tool.coverage.{plugin}]", *(f"{k} = {json.dumps(v)}" for k, v in options.items())]
        return style, "\n".join(lines) + "\n"
    prefix = "coverage:" if style in ("setup.cfg", "tox.ini") else ""
    lines = [f"[{prefix}run]", *(f"{k} = {', '.join(v)}" for k, v in run.items())]
    lines += [f"[{prefix}{plugin}]", *(f"{k} = {v}" for k, v in options.items())]
    return style, "\n".join(lines) + "\n"


# -- Loading -------------------------------------------------------------------


@pytest.mark.parametrize("style", [".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml", ".covcorerc"])
def test_coverage_init_gets_the_plugin_section(tmp_path: Path, make_file: MakeFile, style: str) -> None:
    make_file("myplug.py", PLUGIN_MODULE)
    make_file("prog.py", "x = 1\n")
    name, text = _config_text(style, {"plugins": ["myplug"]}, "myplug", {"kinds": "noop", "colour": "$COLOUR"})
    make_file(name, text)
    result = run_covcore(["run", "prog.py"], tmp_path, env={"COLOUR": "blue"})
    assert result.returncode == 0, result.stderr
    # No "ignoring settings" note: [run] plugins and the plug-in's section are used.
    assert result.stderr == ""
    assert json.loads((tmp_path / "options.json").read_text()) == {"kinds": "noop", "colour": "blue"}


def test_pyproject_plugins_as_a_toml_array(tmp_path: Path, make_file: MakeFile) -> None:
    make_file("myplug.py", PLUGIN_MODULE)
    make_file("prog.py", "x = 1\n")
    make_file("pyproject.toml", """\
        [tool.coverage.run]
        plugins = ["myplug"]
    """)
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "options.json").read_text()) == {}


def test_a_section_of_an_unconfigured_plugin_is_still_noted(tmp_path: Path, make_file: MakeFile) -> None:
    make_file("prog.py", "x = 1\n")
    make_file(".coveragerc", "[run]\nbranch = true\n[other_plugin]\nx = 1\n")
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert result.returncode == 0
    assert result.stderr == ("covcore: warning: ignoring settings covcore doesn't support, in .coveragerc: "
                             "[other_plugin]\n")


@pytest.mark.parametrize("module, expected", [
    ("nosuchplugin", "covcore: Couldn't import plug-in 'nosuchplugin': "
                     "ModuleNotFoundError: No module named 'nosuchplugin'"),
    ("broken_import", "covcore: Couldn't import plug-in 'broken_import': ZeroDivisionError: division by zero"),
    ("no_init", "covcore: Plug-in module 'no_init' has no coverage_init function"),
    ("bad_init", "covcore: Plug-in 'bad_init' failed in coverage_init: ValueError: needs a 'level' option"),
    ("bad_configure", "covcore: Plug-in 'bad_configure.Conf' failed in configure: "
                      "ConfigError: No such option: 'report:no_such_option'"),
    ("bad_value", "covcore: Plug-in 'bad_value.Conf' failed in configure: "
                  "ConfigError: report:fail_under: 'lots' is not a number"),
])
@pytest.mark.parametrize("command", [["run", "prog.py"], ["report"], ["debug", "sys"]])
def test_a_failing_plugin_is_one_error_line(
    tmp_path: Path, make_file: MakeFile, module: str, expected: str, command: list[str],
) -> None:
    make_file("broken_import.py", "1 / 0\n")
    make_file("no_init.py", "x = 1\n")
    make_file("bad_init.py", """\
        def coverage_init(reg, options):
            raise ValueError("needs a 'level' option")
    """)
    for name, call in (("bad_configure", 'config.set_option("report:no_such_option", 1)'),
                       ("bad_value", 'config.set_option("report:fail_under", "lots")')):
        make_file(f"{name}.py", f"""\
            class Conf:
                def configure(self, config):
                    {call}

            def coverage_init(reg, options):
                reg.add_configurer(Conf())
        """)
    make_file("prog.py", "x = 1\n")
    make_file(".coveragerc", f"[run]\nplugins = {module}\n")
    result = run_covcore(command, tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [expected]
    assert not (tmp_path / ".covcore").exists()


def test_debug_sys_lists_the_plugins(tmp_path: Path, make_file: MakeFile) -> None:
    make_file("myplug.py", PLUGIN_MODULE)
    make_file(".coveragerc", "[run]\nplugins = myplug, covdefaults\n[myplug]\nkinds = configurer contexts tracer noop\n")
    result = run_covcore(["debug", "sys"], tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split(":", 1)[1].strip() for line in result.stdout.splitlines() if line.split(":")[0].strip() == "plugin"]
    assert rows == [
        "myplug.Configurer (configurer)",
        "myplug.Contexts (dynamic context)",
        "myplug.Tracer (file tracer)",
        "myplug.Nothing (no-op)",
        "covdefaults.CovDefaults (configurer)",
    ]
    make_file("elsewhere/prog.py", "x = 1\n")
    none = run_covcore(["debug", "sys"], tmp_path / "elsewhere")
    assert [line.split(":", 1)[1].strip() for line in none.stdout.splitlines()
            if line.split(":")[0].strip() == "plugins"] == ["none"]


def test_a_file_tracer_plugin_that_claims_nothing_changes_nothing(tmp_path: Path, make_file: MakeFile) -> None:
    # As django_coverage_plugin does: one object, a file tracer and a configurer.
    # (File tracers that claim files: tests/test_plugin_tracers.py.)
    make_file("templates_plugin.py", """\
        class Templates:
            def __init__(self, options):
                self.extensions = options["template_extensions"].split(",")

            def configure(self, config):
                self.html_dir = config.get_option("html:directory")

            def file_tracer(self, filename):
                return None

        def coverage_init(reg, options):
            plugin = Templates(options)
            reg.add_file_tracer(plugin)
            reg.add_configurer(plugin)
    """)
    make_file("prog.py", "import sub\nx = 1\n")
    make_file("sub.py", "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'y = 2'])\n")
    make_file(".coveragerc", "[run]\nplugins = templates_plugin\n[templates_plugin]\ntemplate_extensions = html\n")
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    sys_rows = run_covcore(["debug", "sys"], tmp_path).stdout.splitlines()
    assert [row.split(":", 1)[1].strip() for row in sys_rows if row.split(":")[0].strip() == "plugin"] == [
        "templates_plugin.Templates (file tracer, configurer)"]
    report = run_covcore(["report"], tmp_path)
    assert report.returncode == 0
    assert "prog.py" in report.stdout and "sub.py" in report.stdout


def test_nothing_is_loaded_without_plugins(tmp_path: Path, make_file: MakeFile) -> None:
    make_file("prog.py", """\
        import sys
        print(sorted(m for m in ("covcore.plugins", "covcore.contexts", "covcore.filetracers",
                                 "covcore.pluginreport", "coverage") if m in sys.modules))
    """)
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


# -- Configurers -------------------------------------------------------------------


def test_config_view_defaults_are_coverage_pys() -> None:
    """Every coverage.py option reads back as coverage.py's default (but the data file's name)."""
    theirs, ours = CoverageConfig(), ConfigView(Config())
    names = [spec[1] for spec in CoverageConfig.CONFIG_FILE_OPTIONS] + ["paths"]
    differ = {name: (theirs.get_option(name), ours.get_option(name))
              for name in names if theirs.get_option(name) != ours.get_option(name)}
    if coverage.version_info < (7, 17):
        # Python 3.10's oracle, 7.16.2: covcore's defaults are 7.18's there
        # too (docs/differences.md, "Oracle versions").
        differ.pop("report:exclude_lines", None)
        differ.pop("report:partial_branches_always", None)
    assert differ == {"run:data_file": (".coverage", ".covcore")}


def test_config_view_sets_covcore_settings() -> None:
    config = Config()
    config.plugins = ["myplug"]
    view = ConfigView(config)
    view.set_option("report:fail_under", 100)
    view.set_option("run:source", ["."])
    view.set_option("report:exclude_lines", [r"raise AssertionError\b"])
    view.set_option("run:branch", True)
    view.set_option("html:directory", "~/cov")
    view.set_option("paths", {"src": ["src/", "/ci/src/"]})
    view.set_option("myplug:level", "3")
    view.set_option("run:debug", ["trace"])
    assert (config.fail_under, config.source, config.exclude_lines, config.branch) == (
        100.0, ["."], [r"raise AssertionError\b"], True)
    assert not config.html_dir.startswith("~")
    assert config.paths == {"src": ["src/", "/ci/src/"]}
    assert view.get_option("myplug:level") == "3" and view.get_option("myplug:other") is None
    assert view.get_option("run:debug") == ["trace"]
    # The values are copies: changing one changes nothing until it is set.
    view.get_option("report:exclude_lines").append("x")
    assert config.exclude_lines == [r"raise AssertionError\b"]
    view.set_option("run:source", None)
    assert view.get_option("run:source") is None
    for name, value in (("report:exclude_lines", ["("]), ("run:core", "turbo"), ("report:fail_under", 101)):
        with pytest.raises(ConfigError, match=name):
            view.set_option(name, value)
    with pytest.raises(ConfigError, match="No such option: 'nothing:here'"):
        view.get_option("nothing:here")


COVDEFAULTS_PROJECT = {
    "pkg/__init__.py": "",
    "pkg/mod.py": """\
        import sys
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from os import PathLike


        def f(x):
            if x:
                return 1
            raise NotImplementedError


        def g():  # pragma: no cover
            return 2


        def h(x):
            if sys.platform == "win32":  # pragma: win32 cover
                return 3
            return 4


        def partial(x):
            if x:
                return 5
            return 6


        def loop(items):
            for item in items:  # pragma: no branch
                if item:
                    return item
            return None


        def abstract(self) -> int: ...


        if __name__ == '__main__':
            f(0)
    """,
    "pkg/full.py": "def one():\n    return 1\n",
    "pkg/__main__.py": "print('main')\n",
    "setup.py": "print('setup')\n",
    "prog.py": """\
        import pkg.mod, pkg.full
        pkg.mod.f(1); pkg.mod.h(1); pkg.mod.partial(1); pkg.mod.loop([1])
        pkg.full.one()
    """,
}


@pytest.mark.parametrize("style", [".coveragerc", "setup.cfg", "pyproject.toml"])
@pytest.mark.parametrize("extra", [{}, {"fail_under": "80"}, {"subtract_omit": "*/setup.py"}])
def test_covdefaults_report_is_coverage_pys(
    tmp_path: Path, make_file: MakeFile, style: str, extra: dict[str, str],
) -> None:
    for name, text in COVDEFAULTS_PROJECT.items():
        make_file(name, text)
    options = {k: v for k, v in extra.items() if k != "fail_under"}
    name, text = _config_text(style, {"plugins": ["covdefaults"]}, "covdefaults", options)
    if "fail_under" in extra:
        report_section = "[tool.coverage.report]" if style == "pyproject.toml" else (
            "[coverage:report]" if style == "setup.cfg" else "[report]")
        text += f"{report_section}\nfail_under = {extra['fail_under']}\n"
    make_file(name, text)
    theirs = [_run(["-m", "coverage", "run", "prog.py"], tmp_path), _run(["-m", "coverage", "report"], tmp_path)]
    ours = [run_covcore(["run", "prog.py"], tmp_path), run_covcore(["report"], tmp_path)]
    assert theirs[0].returncode == 0, theirs[0].stderr
    assert ours[0].returncode == 0 and ours[0].stderr == "", ours[0].stderr
    assert ours[1].stdout == theirs[1].stdout
    assert ours[1].returncode == theirs[1].returncode
    # covdefaults' settings, as covcore's report and debug config see them.
    assert "Missing" in ours[1].stdout and "skipped due to complete coverage" in ours[1].stdout
    assert ours[1].returncode == (0 if extra.get("fail_under") == "80" else 2)
    config = run_covcore(["debug", "config"], tmp_path).stdout
    assert "branch: True" in config and "show_missing: True" in config
    for name in ("pkg/mod.py", "pkg/full.py"):
        assert _json_lines(tmp_path, "coverage", name) == _json_lines(tmp_path, "covcore", name)


def _json_lines(cwd: Path, tool: str, name: str) -> dict[str, object]:
    result = _run(["-m", tool, "json", "-o", f"{tool}.json"], cwd)
    assert result.returncode in (0, 2), result.stderr
    report = json.loads((cwd / f"{tool}.json").read_text())["files"][name]
    return {k: report[k] for k in ("executed_lines", "missing_lines", "excluded_lines", "missing_branches")}


# -- Dynamic contexts -----------------------------------------------------------


def _contexts(cwd: Path, args: list[str]) -> dict[str, set[str]]:
    result = _run([*args, "json", "--show-contexts", "-o", "-"], cwd)
    assert result.returncode == 0, result.stderr
    contexts = json.loads(result.stdout)["files"]["prog.py"]["contexts"]
    return {line: set(names) for line, names in contexts.items()}


@pytest.mark.parametrize("branch", [False, True])
def test_dynamic_context_plugin_is_coverage_pys(tmp_path: Path, make_file: MakeFile, core: str, branch: bool) -> None:
    make_file("myplug.py", PLUGIN_MODULE)
    make_file("prog.py", CONTEXT_PROGRAM)
    make_file(".coveragerc", f"[run]\nplugins = myplug\nbranch = {branch}\n[myplug]\nkinds = contexts\n")
    # coverage.py's default core (it chooses a settrace core when contexts are dynamic).
    assert _run(["-m", "coverage", "run", "prog.py"], tmp_path).returncode == 0
    theirs = _contexts(tmp_path, ["-m", "coverage"])
    result = run_covcore(["run", "--core", core, "prog.py"], tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    ours = _contexts(tmp_path, ["-m", "covcore"])
    assert ours == theirs
    # A context runs until its frame ends: job_a called from job_b is job_b's.
    assert ours["7"] == {"job:job_a", "job:job_b"}
    assert ours["3"] == {"", "job:job_a", "job:job_b", "job:job_c", "job:job_gen"}
    assert ours["20"] == {"job:job_fails"}
    # A generator's context is current only while it runs, as coverage.py's settrace cores do.
    assert ours["4"] == {"", "job:job_b", "job:job_gen"}


def test_dynamic_context_plugin_with_static_context_and_test_function(tmp_path: Path, make_file: MakeFile) -> None:
    make_file("myplug.py", PLUGIN_MODULE)
    make_file("prog.py", textwrap.dedent(CONTEXT_PROGRAM) + "\ndef test_it():\n    helper(1)\n\ntest_it()\n")
    make_file(".coveragerc", "[run]\nplugins = myplug\ncontext = ci\ndynamic_context = test_function\n"
                             "[myplug]\nkinds = contexts\n")
    assert _run(["-m", "coverage", "run", "prog.py"], tmp_path).returncode == 0
    theirs = _contexts(tmp_path, ["-m", "coverage"])
    assert run_covcore(["run", "prog.py"], tmp_path).returncode == 0
    ours = _contexts(tmp_path, ["-m", "covcore"])
    assert ours == theirs
    assert ours["3"] == {"ci", "ci|job:job_a", "ci|job:job_b", "ci|job:job_c", "ci|job:job_gen", "ci|__main__.test_it"}


def test_a_failing_dynamic_context_plugin_is_one_warning(tmp_path: Path, make_file: MakeFile, core: str) -> None:
    make_file("ctxfail.py", """\
        class Contexts:
            def dynamic_context(self, frame):
                if frame.f_code.co_name == "job_b":
                    raise KeyError("oops")
                return None

        def coverage_init(reg, options):
            reg.add_dynamic_context(Contexts())
    """)
    make_file("prog.py", CONTEXT_PROGRAM)
    make_file(".coveragerc", "[run]\nplugins = ctxfail\n")
    result = run_covcore(["run", "--core", core, "prog.py"], tmp_path)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "covcore: warning: Plug-in 'ctxfail.Contexts' failed in dynamic_context, not used from now on: "
        "KeyError: 'oops'"
    ]
    assert run_covcore(["report"], tmp_path).returncode == 0


def test_program_sees_no_tracing_leftovers(tmp_path: Path, make_file: MakeFile, core: str) -> None:
    """After the run, the dynamic-context watcher is gone (no profile function, no tool id)."""
    make_file("myplug.py", PLUGIN_MODULE)
    make_file(".coveragerc", "[run]\nplugins = myplug\n[myplug]\nkinds = contexts\n")
    make_file("check.py", textwrap.dedent("""\
        import sys
        from covcore import Coverage
        cov = Coverage(core=sys.argv[1])
        cov.start()
        exec(compile("def job_x():\\n    return 1\\njob_x()\\n", "inline.py", "exec"))
        cov.stop()
        mon = getattr(sys, "monitoring", None)
        tools = [t for t in range(6) if mon is not None and mon.get_tool(t)]
        print(sys.getprofile(), tools)
    """))
    result = _run(["check.py", core], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "None []\n"


CONDITIONAL_MODULE = """\
    import sys


    def newer():  # pragma: py-gte-38
        return 1


    def older():  # pragma: py-lt-38
        return 2


    def missing_package():  # pragma: no-nosuchpackage
        return 3


    def used(x):
        if x:  # pragma: has-json
            return 4
        return 5
"""

CONDITIONAL_CONFIGS = {
    "setup.cfg": """\
        [coverage:run]
        plugins =
            coverage_conditional_plugin
        [coverage:report]
        show_missing = true
        [coverage:coverage_conditional_plugin]
        rules =
            "sys_version_info >= (3, 8)": py-gte-38
            "sys_version_info < (3, 8)": py-lt-38
            "not is_installed('nosuchpackage')": no-nosuchpackage
            "is_installed('json')": has-json
    """,
    "pyproject.toml": """\
        [tool.coverage.run]
        plugins = ["coverage_conditional_plugin"]
        [tool.coverage.report]
        show_missing = true
        [tool.coverage.coverage_conditional_plugin.omit]
        "sys_version_info >= (3, 8)" = "*/other.py"
        [tool.coverage.coverage_conditional_plugin.rules]
        py-gte-38 = "sys_version_info >= (3, 8)"
        py-lt-38 = "sys_version_info < (3, 8)"
        no-nosuchpackage = "not is_installed('nosuchpackage')"
        has-json = "is_installed('json')"
    """,
}


@pytest.mark.parametrize("style", sorted(CONDITIONAL_CONFIGS))
def test_coverage_conditional_plugin_report_is_coverage_pys(tmp_path: Path, make_file: MakeFile, style: str) -> None:
    """coverage-conditional-plugin: exclusion rules from the plug-in's section
    (a multi-line INI value, or TOML tables), and an omit from TOML."""
    make_file("pkg/__init__.py", "")
    make_file("pkg/mod.py", CONDITIONAL_MODULE)
    make_file("pkg/other.py", "OTHER = 1\n")
    make_file("prog.py", "import pkg.mod, pkg.other\npkg.mod.used(0)\n")
    make_file(style, CONDITIONAL_CONFIGS[style])
    theirs = [_run(["-m", "coverage", "run", "prog.py"], tmp_path), _run(["-m", "coverage", "report"], tmp_path)]
    ours = [run_covcore(["run", "prog.py"], tmp_path), run_covcore(["report"], tmp_path)]
    assert theirs[0].returncode == 0, theirs[0].stderr
    assert ours[0].returncode == 0 and ours[0].stderr == "", ours[0].stderr
    assert (ours[1].stdout, ours[1].returncode) == (theirs[1].stdout, theirs[1].returncode)
    # older() is measured; newer(), missing_package() and the `if` block are
    # excluded; other.py is omitted with TOML only.
    row = [line for line in ours[1].stdout.splitlines() if line.startswith("pkg/mod.py")][0]
    assert row.split()[1:] == ["5", "1", "80%", "9"]
    assert ("pkg/other.py" in ours[1].stdout) == (style == "setup.cfg")


def test_configurers_run_in_measured_subprocesses(tmp_path: Path, make_file: MakeFile) -> None:
    """A child process reads the same settings: covdefaults' branch = true measures its branches."""
    make_file(".coveragerc", "[run]\nplugins = covdefaults\nsubprocess = true\n")
    make_file("child.py", "def f(x):\n    if x:\n        return 1\n    return 2\nf(1)\n")
    make_file("prog.py", "import subprocess, sys\nsubprocess.run([sys.executable, 'child.py'], check=True)\n")
    result = run_covcore(["run", "prog.py"], tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    report = run_covcore(["report"], tmp_path)
    assert report.returncode == 2
    assert report.stdout.splitlines()[2].split() == ["child.py", "5", "1", "2", "1", "71%", "4"]

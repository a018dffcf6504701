"""Configuration: defaults, then a config file, then the command line.

Which file (the first that applies wins; see docs/config.md):

1. ``--rcfile FILE`` (or ``COVCORE_RCFILE``);
2. covcore's own settings: ``.covcorerc`` (``[run]`` or ``[covcore:run]``...),
   ``[covcore:*]`` sections in ``setup.cfg`` or ``tox.ini``,
   ``[tool.covcore.*]`` tables in ``pyproject.toml``;
3. coverage.py's settings, read with the same meaning: ``COVERAGE_RCFILE``,
   ``.coveragerc``, ``[coverage:*]`` in ``setup.cfg``/``tox.ini``,
   ``[tool.coverage.*]`` in ``pyproject.toml``.

Values expand environment variables as coverage.py does (``$VAR``,
``${VAR}``, ``${VAR-default}``, ``${VAR?}``, ``$$``).  An option coverage.py
knows but covcore does not act on is recorded in ``Config.ignored`` (the
controller says so once); an option nobody knows is an error in covcore's
own files and ignored with that note in coverage.py's.  Every error names the
file, the section and the option, in one line.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    import re
    from typing import Any, Callable, Mapping, Optional

from covcore.exceptions import ConfigError

DEFAULT_DATA_FILE = ".covcore"

#: coverage.py 7.17's default ``exclude_lines``: the ``pragma: no cover``
#: comment, bodies that are only ``...``, and ``if TYPE_CHECKING:`` blocks.
DEFAULT_EXCLUDE: list[str] = [
    r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)",
    r"^\s*(((async )?def .*?)?[\])]+(\s*->.*?)?:\s*)?\.\.\.\s*(#|$)",
    r"^\s*if (typing\.)?TYPE_CHECKING:",
]

#: coverage.py 7.17's default ``partial_branches``: lines whose branches are
#: not reported missing.
DEFAULT_PARTIAL: list[str] = [
    r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(branch|BRANCH)",
]

#: coverage.py 7.17's default ``partial_branches_always``: loops and tests on
#: constants, which can only go one way.
DEFAULT_PARTIAL_ALWAYS: list[str] = [
    r"^\s*while (True|1|False|0):",
    r"^\s*if (True|1|False|0):",
]


class Config:
    """Every setting covcore understands, with its default.

    A plain class rather than a dataclass: the dataclasses module (and the
    inspect module it loads) would add milliseconds to every measured
    process's start-up.
    """

    def __init__(self) -> None:
        # [run]
        self.branch: bool = False
        self.core: Optional[str] = None
        self.timid: bool = False
        self.source: list[str] = []
        self.include: list[str] = []
        self.omit: list[str] = []
        self.parallel: bool = False
        self.data_file: str = DEFAULT_DATA_FILE
        #: Measure every Python subprocess too (covcore.process).
        self.subprocess: bool = False
        #: Extra packages and directories to measure, as coverage.py's [run] options.
        self.source_pkgs: list[str] = []
        self.source_dirs: list[str] = []
        #: thread and multiprocessing are always measured; greenlet and gevent get a
        #: data stack per greenlet (settrace cores); eventlet is noted as ignored.
        self.concurrency: list[str] = []
        #: The static context label of this run ("" when not set).
        self.context: Optional[str] = None
        #: None, or "test_function": each test function's code is a context.
        self.dynamic_context: Optional[str] = None
        #: Store file names relative to the current directory (for combining elsewhere).
        self.relative_files: bool = False
        #: What `covcore run` runs when given no program.
        self.command_line: Optional[str] = None
        #: Names of warnings not to show (coverage.py's names, see docs/config.md).
        self.disable_warnings: list[str] = []
        #: coverage.py plug-in modules to load (covcore.plugins).
        self.plugins: list[str] = []
        #: Each plug-in's own section (``[NAME]``, ``[tool.coverage.NAME]``): option -> value.
        self.plugin_options: dict[str, dict[str, Any]] = {}
        # [report]
        self.exclude_lines: list[str] = list(DEFAULT_EXCLUDE)
        self.exclude_also: list[str] = []
        self.fail_under: float = 0.0
        self.precision: int = 0
        self.show_missing: bool = False
        self.skip_covered: bool = False
        self.skip_empty: bool = False
        self.sort: Optional[str] = None
        self.report_include: list[str] = []
        self.report_omit: list[str] = []
        self.partial_branches: list[str] = list(DEFAULT_PARTIAL)
        self.partial_also: list[str] = []
        self.partial_branches_always: list[str] = list(DEFAULT_PARTIAL_ALWAYS)
        self.format: Optional[str] = None
        #: Regexes: report only data measured in contexts matching one of them.
        self.report_contexts: list[str] = []
        #: Leave out (with a warning) the files whose source is missing or not Python.
        self.ignore_errors: bool = False
        #: Unexecuted files are looked for in directories without __init__.py too.
        self.include_namespace_packages: bool = False
        # [html]
        self.html_dir: str = "htmlcov"
        self.html_title: str = "Coverage report"
        #: None: as [report] skip_covered / skip_empty.
        self.html_skip_covered: Optional[bool] = None
        self.html_skip_empty: Optional[bool] = None
        self.show_contexts: bool = False
        # [xml]
        self.xml_output: str = "coverage.xml"
        self.xml_package_depth: int = 99
        # [lcov]
        self.lcov_output: str = "coverage.lcov"
        self.lcov_line_checksums: bool = False
        #: "coverage" (coverage.py's records) or "lcov1" (what lcov 1.x reads).
        self.lcov_format: str = "coverage"
        # [json]
        self.json_output: str = "coverage.json"
        self.json_pretty_print: bool = False
        self.json_show_contexts: bool = False
        # [paths]: canonical location -> the other spellings of it (globs).
        self.paths: dict[str, list[str]] = {}
        # Where the settings came from, for messages.
        self.config_file: Optional[str] = None
        #: "covcore" or "coverage.py": whose settings were read.
        self.config_origin: Optional[str] = None
        #: The options read but not acted on, as "[section] option" (said once).
        self.ignored: list[str] = []

    def __repr__(self) -> str:
        return "Config(" + ", ".join(f"{k}={v!r}" for k, v in vars(self).items()) + ")"

    def exclude_regexes(self) -> list[str]:
        """The regexes that exclude lines from measurement."""
        return list(self.exclude_lines) + list(self.exclude_also)

    def partial_regexes(self) -> list[str]:
        """The regexes of lines whose branches are not reported missing."""
        return [*self.partial_branches, *self.partial_also, *self.partial_branches_always]


# Option name in the file -> (section, Config attribute, type).
_OPTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("run", "branch"): ("branch", "bool"),
    ("run", "core"): ("core", "str"),
    ("run", "timid"): ("timid", "bool"),
    ("run", "source"): ("source", "list"),
    ("run", "include"): ("include", "list"),
    ("run", "omit"): ("omit", "list"),
    ("run", "parallel"): ("parallel", "bool"),
    ("run", "data_file"): ("data_file", "str"),
    ("run", "subprocess"): ("subprocess", "bool"),
    ("run", "source_pkgs"): ("source_pkgs", "list"),
    ("run", "source_dirs"): ("source_dirs", "list"),
    ("run", "concurrency"): ("concurrency", "list"),
    ("run", "context"): ("context", "str"),
    ("run", "dynamic_context"): ("dynamic_context", "str"),
    ("run", "relative_files"): ("relative_files", "bool"),
    ("run", "command_line"): ("command_line", "str"),
    ("run", "disable_warnings"): ("disable_warnings", "list"),
    ("run", "plugins"): ("plugins", "list"),
    ("report", "exclude_lines"): ("exclude_lines", "regexlist"),
    ("report", "exclude_also"): ("exclude_also", "regexlist"),
    ("report", "fail_under"): ("fail_under", "float"),
    ("report", "precision"): ("precision", "int"),
    ("report", "show_missing"): ("show_missing", "bool"),
    ("report", "skip_covered"): ("skip_covered", "bool"),
    ("report", "skip_empty"): ("skip_empty", "bool"),
    ("report", "sort"): ("sort", "str"),
    ("report", "include"): ("report_include", "list"),
    ("report", "omit"): ("report_omit", "list"),
    ("report", "partial_branches"): ("partial_branches", "regexlist"),
    ("report", "partial_also"): ("partial_also", "regexlist"),
    ("report", "partial_branches_always"): ("partial_branches_always", "regexlist"),
    ("report", "format"): ("format", "str"),
    ("report", "contexts"): ("report_contexts", "list"),
    ("report", "ignore_errors"): ("ignore_errors", "bool"),
    ("report", "include_namespace_packages"): ("include_namespace_packages", "bool"),
    ("html", "directory"): ("html_dir", "str"),
    ("html", "title"): ("html_title", "str"),
    ("html", "skip_covered"): ("html_skip_covered", "bool"),
    ("html", "skip_empty"): ("html_skip_empty", "bool"),
    ("html", "show_contexts"): ("show_contexts", "bool"),
    ("xml", "output"): ("xml_output", "str"),
    ("xml", "package_depth"): ("xml_package_depth", "int"),
    ("lcov", "output"): ("lcov_output", "str"),
    ("lcov", "line_checksums"): ("lcov_line_checksums", "bool"),
    ("json", "output"): ("json_output", "str"),
    ("json", "pretty_print"): ("json_pretty_print", "bool"),
    ("json", "show_contexts"): ("json_show_contexts", "bool"),
    ("lcov", "format"): ("lcov_format", "str"),
}

#: The sections of a config file (``[tool.covcore.X]`` in pyproject.toml).
SECTIONS = ("run", "report", "html", "xml", "json", "lcov", "paths")

#: Options coverage.py has that covcore reads but does not act on: each is
#: named once in a note ("ignoring ...").
_IGNORED: set[tuple[str, str]] = {
    ("run", "cover_pylib"), ("run", "debug"), ("run", "debug_file"),
    ("run", "_crash"),
    ("html", "extra_css"),
}
#: Options coverage.py has whose effect covcore always has: checked, then unused.
_ALWAYS_ON: dict[tuple[str, str], str] = {("run", "sigterm"): "bool", ("run", "patch"): "list"}

#: Options naming files: ``~`` is expanded, as coverage.py does.
_FILE_ATTRS = {"data_file", "html_dir", "xml_output", "json_output", "lcov_output"}

_CONCURRENCY = {"thread", "multiprocessing", "gevent", "greenlet", "eventlet"}
_LIGHT_THREADS = {"gevent", "greenlet", "eventlet"}
_PATCHES = {"subprocess", "_exit", "execv", "fork"}
_SORT_COLUMNS = ("name", "stmts", "miss", "branch", "brpart", "cover")
_REPORT_FORMATS = ("text", "markdown", "total")

# Compiled at the first use (re caches it): most runs expand nothing.
_VARIABLE = (
    r"""\$(?:(?P<dollar>\$)|(?P<word1>\w+)|\{(?P<word2>\w+)(?:(?P<strict>\?)|-(?P<default>[^}]*))?\})"""
)


def expand_variables(text: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """`text` with environment variables substituted, as coverage.py does.

    ``$VAR`` and ``${VAR}`` are the variable's value, or "" if it is not set;
    ``${VAR-text}`` is `text` if it is not set; ``${VAR?}`` is an error
    (ValueError) if it is not set; ``$$`` is one dollar sign.
    """
    if "$" not in text:
        return text
    import re   # at first use: a measured process starts without it

    env = os.environ if environ is None else environ

    def replace(match: re.Match[str]) -> str:
        if match["dollar"]:
            return "$"
        word = match["word1"] or match["word2"]
        if word in env:
            return env[word]
        if match["strict"]:
            raise ValueError(f"environment variable {word} is not set")
        return match["default"] or ""

    return re.sub(_VARIABLE, replace, text)


def _expand(value: Any) -> Any:
    """Environment variables expanded in a string, or in each string of a list."""
    if isinstance(value, str):
        return expand_variables(value)
    if isinstance(value, list):
        return [expand_variables(v) if isinstance(v, str) else v for v in value]
    return value


def _convert(value: Any, kind: str, toml: bool) -> Any:
    """A raw value (INI text, or a TOML value) as `kind`; ValueError says why not.

    TOML values must have the right type (or be a string that converts), as
    in coverage.py: a list is a TOML array, a boolean a TOML boolean.
    """
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip().lower()
            if text in (("true",) if toml else ("1", "true", "yes", "on")):
                return True
            if text in (("false",) if toml else ("0", "false", "no", "off")):
                return False
        raise ValueError(f"{value!r} is not a boolean (true or false)")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError(f"{value!r} is not an integer")
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an integer") from None
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{value!r} is not a number")
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if kind in ("list", "regexlist"):
        import re   # at first use: a measured process starts without it

        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise ValueError(f"{value!r} is not a list of strings")
            items = [v.strip() for v in value]
        elif isinstance(value, str) and not toml:
            # Regexes are one a line (commas belong to them); lists split at commas too.
            parts = value.splitlines() if kind == "regexlist" else re.split(r"[,\n]", value)
            items = [p.strip() for p in parts]
        else:
            raise ValueError(f"{value!r} is not a list")
        items = [item for item in items if item]
        if kind == "regexlist":
            for regex in items:
                try:
                    re.compile(regex)
                except re.error as exc:
                    raise ValueError(f"invalid regex {regex!r}: {exc}") from None
        return items
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    return value.strip()


def _check(attr: str, value: Any, config: Config) -> None:
    """Refuse values no command could use (ValueError says why)."""
    if attr == "core" and value:
        from covcore.cores import CORE_NAMES

        if value not in CORE_NAMES:
            raise ValueError(f"unknown core {value!r} (choose from {', '.join(CORE_NAMES)})")
    elif attr == "precision" and value < 0:
        raise ValueError(f"{value} is negative")
    elif attr == "fail_under" and not 0 <= value <= 100:
        raise ValueError(f"{value} is not a percentage between 0 and 100")
    elif attr == "sort" and value and value.lower().lstrip("-") not in _SORT_COLUMNS:
        raise ValueError(f"{value!r} is not a column ({', '.join(_SORT_COLUMNS)}, '-' first to reverse)")
    elif attr == "format" and value and value not in _REPORT_FORMATS:
        raise ValueError(f"{value!r} is not a report format ({', '.join(_REPORT_FORMATS)})")
    elif attr == "dynamic_context" and value not in ("", "test_function"):
        raise ValueError(f"{value!r} is not a dynamic context covcore knows (test_function)")
    elif attr == "concurrency":
        unknown = sorted(set(value) - _CONCURRENCY)
        if unknown:
            raise ValueError(f"unknown concurrency {', '.join(unknown)} (choose from {', '.join(sorted(_CONCURRENCY))})")
        light = sorted(set(value) & _LIGHT_THREADS)
        if len(light) > 1:
            raise ValueError(f"conflicting settings {', '.join(light)}")
    elif attr == "xml_package_depth" and value < 1:
        raise ValueError(f"{value} is less than 1")


def check_concurrency(values: Any) -> list[str]:
    """The concurrency names of ``--concurrency`` (a list, or text "a,b"), checked.

    Raises ConfigError for an unknown name, or two greenlet libraries.
    """
    names = [v.strip() for v in (values.split(",") if isinstance(values, str) else values)]
    names = [v for v in names if v]
    try:
        _check("concurrency", names, Config())
    except ValueError as exc:
        raise ConfigError(f"--concurrency: {exc}") from None
    return names


class _Settings:
    """The covcore or coverage.py settings found in one config file.

    `sections` maps covcore's section name (``run``) to the name shown in
    messages (``[tool.coverage.run]``, ``[coverage:run]``) and the raw values.
    In a `strict` file (covcore's own) an unknown option or section is an
    error; otherwise it is noted as ignored.
    """

    def __init__(self, path: str, origin: str, strict: bool, toml: bool) -> None:
        self.path = path
        self.origin = origin
        self.strict = strict
        self.toml = toml
        self.sections: dict[str, tuple[str, dict[str, Any]]] = {}

    def apply(self, config: Config) -> None:
        """Set `config` from these settings (errors name file, section, option)."""
        others: list[tuple[str, str, dict[str, Any]]] = []
        for section, (shown, values) in self.sections.items():
            if section not in SECTIONS:
                others.append((section, shown, values))
                continue
            for name, raw in values.items():
                where = f"{self.path}: {shown} {name}"
                try:
                    self._apply_one(config, section, name, raw, shown)
                except ValueError as exc:
                    raise ConfigError(f"{where}: {exc}") from None
        # A section named in [run] plugins holds that plug-in's options.
        for section, shown, values in others:
            if section in config.plugins:
                try:
                    config.plugin_options[section] = {name: _expand(raw) for name, raw in values.items()}
                except ValueError as exc:
                    raise ConfigError(f"{self.path}: {shown}: {exc}") from None
            elif self.strict:
                raise ConfigError(f"{self.path}: {shown}: unknown section")
            else:
                config.ignored.append(shown)
        config.config_file = self.path
        config.config_origin = self.origin

    def _apply_one(self, config: Config, section: str, name: str, raw: Any, shown: str) -> None:
        value = _expand(raw)
        if section == "paths":
            items = _convert(value, "list", self.toml)
            if not items:
                raise ValueError("needs at least one path")
            for pattern in items[1:]:
                if pattern.rstrip("/\\").endswith("*"):
                    raise ValueError(f"{pattern!r}: a pattern can't end with a wildcard")
            config.paths[name] = items
            return
        key = (section, name)
        if key in _OPTIONS:
            attr, kind = _OPTIONS[key]
            converted = _convert(value, kind, self.toml)
            if attr in _FILE_ATTRS:
                converted = os.path.expanduser(converted)
            _check(attr, converted, config)
            setattr(config, attr, converted)
            if attr == "concurrency":
                # greenlet and gevent are measured (covcore.collector); eventlet is not.
                config.ignored.extend(f"{shown} {name} = {c}" for c in converted if c == "eventlet")
        elif key in _ALWAYS_ON:
            converted = _convert(value, _ALWAYS_ON[key], self.toml)
            if name == "patch":
                unknown = sorted(set(converted) - _PATCHES)
                if unknown:
                    raise ValueError(f"unknown patch {', '.join(unknown)} (choose from {', '.join(sorted(_PATCHES))})")
                if "subprocess" in converted:
                    config.subprocess = True
        elif key in _IGNORED:
            config.ignored.append(f"{shown} {name}")
        elif self.strict:
            raise ValueError("unknown option")
        else:
            config.ignored.append(f"{shown} {name} (unknown)")


def _read_text(path: str) -> str:
    """A settings file's text: UTF-8, with or without a byte order mark (as coverage.py 7.18 reads it)."""
    with open(path, encoding="utf-8-sig") as f:
        return f.read()


def _parse_ini(path: str) -> Optional[Any]:
    """The file parsed by configparser; None for a file of blank lines and comments."""
    try:
        text = _read_text(path)
    except (UnicodeDecodeError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"Couldn't read config file {path}: {first}") from None
    if not any(line.strip()[:1] not in ("", "#", ";") for line in text.split("\n")):
        # Only blank lines and comments, which configparser skips: no
        # sections, and no configparser import (a millisecond at start-up).
        return None
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=path)
    except configparser.DuplicateOptionError as exc:
        raise ConfigError(f"{path}: [{exc.section}] {exc.option}: set twice (line {exc.lineno})") from None
    except configparser.DuplicateSectionError as exc:
        raise ConfigError(f"{path}: [{exc.section}]: section appears twice (line {exc.lineno})") from None
    except configparser.MissingSectionHeaderError as exc:
        raise ConfigError(
            f"Couldn't read config file {path}: line {exc.lineno}: {exc.line.strip()!r} comes before any [section]"
        ) from None
    except configparser.ParsingError as exc:
        lineno, line = exc.errors[0]
        if line[:1] in ("'", '"'):
            import ast

            line = ast.literal_eval(line)      # configparser keeps the line's repr
        raise ConfigError(
            f"Couldn't read config file {path}: line {lineno}: {line.strip()!r} is neither "
            "'option = value' nor a [section]"
        ) from None
    except configparser.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"Couldn't read config file {path}: {first}") from None
    return parser


def _parsed(path: str, parse: Callable[[str], Any], memo: Optional[dict[str, Any]]) -> Any:
    """`parse(path)`, done once per path while `memo` lives.

    A shared file is looked at twice, for covcore's settings and then for
    coverage.py's: the memo spares the second parse (and, for TOML, a file
    read twice in full).
    """
    if memo is None:
        return parse(path)
    if path not in memo:
        memo[path] = parse(path)
    return memo[path]


def _read_ini(path: str, prefixes: tuple[str, ...], origin: str, strict: bool,
              memo: Optional[dict[str, Any]] = None) -> Optional[_Settings]:
    """The settings in sections named with one of `prefixes` ("" for bare names).

    None if the file has no such section.
    """
    parser = _parsed(path, _parse_ini, memo)
    if parser is None:
        return None
    settings = _Settings(path, origin, strict, toml=False)
    found = False
    # Prefixed sections first: in .coveragerc [coverage:run] wins over [run].
    for prefix in sorted(prefixes, key=len, reverse=True):
        for real in parser.sections():
            if prefix and not real.startswith(prefix):
                continue
            if not prefix and ":" in real and real.split(":", 1)[0] in ("covcore", "coverage"):
                continue
            section = real[len(prefix):]
            found = True
            if section in settings.sections:
                continue
            settings.sections[section] = (f"[{real}]", dict(parser.items(real)))
    return settings if found else None


def _load_toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        return tomllib.loads(_read_text(path))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Couldn't read config file {path}: {exc}") from None


def _read_toml(path: str, tool: str, origin: str, strict: bool,
               memo: Optional[dict[str, Any]] = None) -> Optional[_Settings]:
    """The ``[tool.<tool>.*]`` tables of a TOML file; None if there are none."""
    doc = _parsed(path, _load_toml, memo)
    tables = doc.get("tool", {}).get(tool) if isinstance(doc.get("tool"), dict) else None
    if tables is None:
        return None
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: [tool.{tool}]: must be a table of tables ([tool.{tool}.run], ...)")
    settings = _Settings(path, origin, strict, toml=True)
    for section, table in tables.items():
        shown = f"[tool.{tool}.{section}]"
        if not isinstance(table, dict):
            if strict or section in SECTIONS:
                raise ConfigError(f"{path}: {shown}: must be a table, not {type(table).__name__}")
            settings.sections[section] = (shown, {})
            continue
        settings.sections[section] = (shown, table)
    return settings


def _read_given(path: str) -> _Settings:
    """The settings of a file named with --rcfile (or an environment variable)."""
    if not os.path.isfile(path):
        raise ConfigError(f"Couldn't read config file {path}: no such file")
    base = os.path.basename(path)
    if path.endswith(".toml"):
        memo: dict[str, Any] = {}
        found = (_read_toml(path, "covcore", "covcore", True, memo)
                 or _read_toml(path, "coverage", "coverage.py", False, memo))
    elif base in ("setup.cfg", "tox.ini"):
        memo = {}
        found = (_read_ini(path, ("covcore:",), "covcore", True, memo)
                 or _read_ini(path, ("coverage:",), "coverage.py", False, memo))
    elif "coveragerc" in base:
        found = _read_ini(path, ("coverage:", ""), "coverage.py", False)
    else:
        found = _read_ini(path, ("covcore:", ""), "covcore", True)
    return found or _Settings(path, "covcore", True, toml=False)


#: Files other tools own too: used only when they have covcore's (or coverage.py's) sections.
_SHARED_FILES = ("setup.cfg", "tox.ini", "pyproject.toml")


def _read_shared(name: str, ours: bool, memo: dict[str, Any]) -> Optional[_Settings]:
    """covcore's (`ours`) or coverage.py's settings in a shared file, if it has any."""
    if not os.path.isfile(name):
        return None
    origin = "covcore" if ours else "coverage.py"
    if name.endswith(".toml"):
        return _read_toml(name, "covcore" if ours else "coverage", origin, ours, memo)
    return _read_ini(name, ("covcore:" if ours else "coverage:",), origin, ours, memo)


def find_settings(rcfile: Optional[str] = None) -> Optional[_Settings]:
    """The settings covcore uses: the order is in the module docstring."""
    given = rcfile or os.environ.get("COVCORE_RCFILE")
    if given:
        return _read_given(given)
    memo: dict[str, Any] = {}   # each shared file parsed once, for both tools' sections
    if os.path.isfile(".covcorerc"):
        return _read_ini(".covcorerc", ("covcore:", ""), "covcore", True) or _Settings(".covcorerc", "covcore", True, False)
    for name in _SHARED_FILES:
        found = _read_shared(name, True, memo)
        if found is not None:
            return found
    coverage_rc = os.environ.get("COVERAGE_RCFILE")
    if coverage_rc:
        return _read_given(coverage_rc)
    if os.path.isfile(".coveragerc"):
        return _read_ini(".coveragerc", ("coverage:", ""), "coverage.py", False) or _Settings(
            ".coveragerc", "coverage.py", False, False)
    for name in _SHARED_FILES:
        found = _read_shared(name, False, memo)
        if found is not None:
            return found
    return None


def read_config(rcfile: Optional[str] = None) -> Config:
    """The configuration from `rcfile` (or the default files), over the defaults.

    ``COVCORE_FILE`` overrides the data file (``COVERAGE_FILE`` is not
    read: it names coverage.py's file, whose format is another).  Problems
    raise ConfigError naming the file, section and option.
    """
    config = Config()
    settings = find_settings(rcfile)
    if settings is not None:
        settings.apply(config)
    env_file = os.environ.get("COVCORE_FILE")
    if env_file:
        config.data_file = env_file
    return config


def config_items(config: Config) -> list[tuple[str, str]]:
    """Every setting as (name, value) text, for ``covcore debug config``."""
    return [(name, repr(value)) for name, value in vars(config).items()]

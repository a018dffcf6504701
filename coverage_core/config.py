"""Configuration: defaults, then a config file, then the command line.

Files read (the first that has covcore settings wins):
  ``--rcfile`` if given, else ``.covcorerc`` (INI: ``[run]``, ``[report]``,
  ``[html]``, ``[xml]``, ``[lcov]``), else ``pyproject.toml``
  (``[tool.covcore.run]``, ``[tool.covcore.report]``, ...).
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass, field, fields
from typing import Any, Optional

from covcore.exceptions import ConfigError
from covcore.parser import DEFAULT_EXCLUDE, DEFAULT_PARTIAL, DEFAULT_PARTIAL_ALWAYS

DEFAULT_DATA_FILE = ".covcore"


@dataclass
class Config:
    """Every setting covcore understands, with its default."""

    # [run]
    branch: bool = False
    core: Optional[str] = None
    timid: bool = False
    source: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    omit: list[str] = field(default_factory=list)
    parallel: bool = False
    data_file: str = DEFAULT_DATA_FILE
    #: Measure every Python subprocess too (covcore.process).
    subprocess: bool = False
    # [report]
    exclude_lines: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    exclude_also: list[str] = field(default_factory=list)
    fail_under: float = 0.0
    precision: int = 0
    show_missing: bool = False
    skip_covered: bool = False
    skip_empty: bool = False
    sort: Optional[str] = None
    report_include: list[str] = field(default_factory=list)
    report_omit: list[str] = field(default_factory=list)
    partial_branches: list[str] = field(default_factory=lambda: list(DEFAULT_PARTIAL))
    partial_also: list[str] = field(default_factory=list)
    partial_branches_always: list[str] = field(default_factory=lambda: list(DEFAULT_PARTIAL_ALWAYS))
    format: Optional[str] = None
    # [html]
    html_dir: str = "htmlcov"
    html_title: str = "Coverage report"
    #: None: as [report] skip_covered / skip_empty.
    html_skip_covered: Optional[bool] = None
    html_skip_empty: Optional[bool] = None
    show_contexts: bool = False
    # [xml]
    xml_output: str = "coverage.xml"
    xml_package_depth: int = 99
    # [lcov]
    lcov_output: str = "coverage.lcov"
    lcov_line_checksums: bool = False
    #: "coverage" (coverage.py's records) or "lcov1" (what lcov 1.x reads).
    lcov_format: str = "coverage"
    # Where the settings came from, for messages.
    config_file: Optional[str] = None

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
    ("html", "directory"): ("html_dir", "str"),
    ("html", "title"): ("html_title", "str"),
    ("html", "skip_covered"): ("html_skip_covered", "bool"),
    ("html", "skip_empty"): ("html_skip_empty", "bool"),
    ("html", "show_contexts"): ("show_contexts", "bool"),
    ("xml", "output"): ("xml_output", "str"),
    ("xml", "package_depth"): ("xml_package_depth", "int"),
    ("lcov", "output"): ("lcov_output", "str"),
    ("lcov", "line_checksums"): ("lcov_line_checksums", "bool"),
    ("lcov", "format"): ("lcov_format", "str"),
}

#: The sections of a config file (``[tool.covcore.X]`` in pyproject.toml).
SECTIONS = ("run", "report", "html", "xml", "lcov")


def _convert(value: Any, kind: str, where: str) -> Any:
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"{value!r} is not a boolean")
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "regexlist":
            # One regex per line: commas are part of regexes.
            if isinstance(value, list):
                return [str(v) for v in value]
            return [p.strip() for p in str(value).splitlines() if p.strip()]
        if kind == "list":
            if isinstance(value, list):
                return [str(v) for v in value]
            return [p.strip() for p in re.split(r"[,\n]", str(value)) if p.strip()]
        return str(value).strip()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: invalid value: {exc}") from None


def _apply(config: Config, values: dict[tuple[str, str], Any], path: str) -> None:
    for (section, name), raw in values.items():
        where = f"{path}: [{section}] {name}"
        if (section, name) not in _OPTIONS:
            raise ConfigError(f"{where}: unknown option")
        attr, kind = _OPTIONS[(section, name)]
        value = _convert(raw, kind, where)
        if kind == "regexlist":
            for regex in value:
                try:
                    re.compile(regex)
                except re.error as exc:
                    raise ConfigError(f"{where}: invalid regex {regex!r}: {exc}") from None
        setattr(config, attr, value)
    config.config_file = path


def _read_ini(path: str) -> dict[tuple[str, str], Any]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as f:
            parser.read_file(f)
    except (configparser.Error, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"Couldn't read config file {path}: {first}") from None
    values = {}
    for section in parser.sections():
        if section not in SECTIONS:
            raise ConfigError(f"{path}: unknown section [{section}]")
        for name, value in parser.items(section):
            values[(section, name)] = value
    return values


def _read_toml(path: str) -> Optional[dict[tuple[str, str], Any]]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Couldn't read config file {path}: {exc}") from None
    tool = doc.get("tool", {}).get("covcore")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: [tool.covcore] must be a table")
    values = {}
    for section, table in tool.items():
        if section not in SECTIONS or not isinstance(table, dict):
            raise ConfigError(f"{path}: unknown section [tool.covcore.{section}]")
        for name, value in table.items():
            values[(section, name)] = value
    return values


def read_config(rcfile: Optional[str] = None) -> Config:
    """The configuration from `rcfile` (or the default files), over the defaults."""
    config = Config()
    if rcfile:
        if not os.path.exists(rcfile):
            raise ConfigError(f"Couldn't read config file {rcfile}: no such file")
        values = _read_toml(rcfile) if rcfile.endswith(".toml") else _read_ini(rcfile)
        _apply(config, values or {}, rcfile)
    elif os.path.exists(".covcorerc"):
        _apply(config, _read_ini(".covcorerc"), ".covcorerc")
    elif os.path.exists("pyproject.toml"):
        values = _read_toml("pyproject.toml")
        if values is not None:
            _apply(config, values, "pyproject.toml")
    env_file = os.environ.get("COVCORE_FILE")
    if env_file:
        config.data_file = env_file
    return config


def config_items(config: Config) -> list[tuple[str, str]]:
    """Every setting as (name, value) text, for ``covcore debug config``."""
    return [(f.name, repr(getattr(config, f.name))) for f in fields(config)]

"""coverage.py's plug-in interface, as projects configure it.

``[run] plugins = mod1, mod2`` names modules; each is imported and its
``coverage_init(reg, options)`` called, `options` being the plug-in's own
section (``[mod1]``, ``[coverage:mod1]``, ``[tool.coverage.mod1]``) as a
dict.  `reg` (:class:`Registry`) takes the plug-in objects by kind:

- ``add_configurer(p)``: ``p.configure(config)`` runs once, right after the
  configuration is read; `config` is a :class:`ConfigView`, coverage.py's
  ``get_option("section:name")`` / ``set_option("section:name", value)``
  over covcore's settings, with coverage.py's option names and value types.
- ``add_dynamic_context(p)``: ``p.dynamic_context(frame)`` is asked at each
  function start while no such context runs; a string starts that context
  for the frame's duration (covcore.contexts.ContextSwitcher, any core).
- ``add_file_tracer(p)``: ``p.file_tracer(filename)`` may claim a file the
  program runs, and ``p.file_reporter(filename)`` reports on the files it
  measured (covcore.filetracers while measuring, covcore.pluginreport in
  the reports).
- ``add_noop(p)``: kept and listed, nothing else.

A plug-in that can't be imported, or whose ``coverage_init`` or
``configure`` fails, is one PluginError line.  Nothing here is imported
unless a plug-in is configured.
"""

from __future__ import annotations

import os
from types import FrameType

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

from covcore.config import _FILE_ATTRS, _OPTIONS, Config, _check, _convert
from covcore.exceptions import ConfigError, PluginError

#: The kinds of plug-in, as `covcore debug sys` names them.
CONFIGURER = "configurer"
DYNAMIC_CONTEXT = "dynamic context"
FILE_TRACER = "file tracer"
NOOP = "no-op"

#: coverage.py options covcore reads but doesn't act on: their coverage.py defaults.
_FOREIGN_DEFAULTS: dict[str, Any] = {
    "run:cover_pylib": False, "run:debug": [], "run:debug_file": None, "run:sigterm": False,
    "run:patch": [], "run:_crash": None, "html:extra_css": None,
}
#: Options whose coverage.py default is None where covcore's is an empty list.
_NONE_WHEN_EMPTY = {"run:source", "report:include", "report:omit", "report:contexts"}


def describe_exception(exc: BaseException) -> str:
    """An exception as one line: its type and the first line of its message."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class LoadedPlugin:
    """One plug-in object a module registered, and how."""

    def __init__(self, module: str, plugin: Any, kind: str) -> None:
        self.module = module
        self.plugin = plugin
        self.kind = kind
        #: coverage.py's name for it: module and class.
        self.name = f"{module}.{type(plugin).__name__}"
        #: False once disabled after an exception (covcore.filetracers).
        self.enabled = True


class Registry:
    """The `reg` given to ``coverage_init``: the plug-ins loaded, in order."""

    def __init__(self) -> None:
        self.loaded: list[LoadedPlugin] = []
        self._module = ""

    def _add(self, plugin: Any, kind: str) -> None:
        loaded = LoadedPlugin(self._module, plugin, kind)
        # Attributes coverage.py sets on its plug-ins, which some read.
        for attr, value in (("_coverage_plugin_name", loaded.name), ("_coverage_enabled", True)):
            try:
                setattr(plugin, attr, value)
            except AttributeError:
                pass
        self.loaded.append(loaded)

    def add_configurer(self, plugin: Any) -> None:
        """Register a plug-in whose ``configure(config)`` changes the settings."""
        self._add(plugin, CONFIGURER)

    def add_dynamic_context(self, plugin: Any) -> None:
        """Register a plug-in whose ``dynamic_context(frame)`` names contexts."""
        self._add(plugin, DYNAMIC_CONTEXT)

    def add_file_tracer(self, plugin: Any) -> None:
        """Register a plug-in whose ``file_tracer(filename)`` measures files."""
        self._add(plugin, FILE_TRACER)

    def add_noop(self, plugin: Any) -> None:
        """Register a plug-in that does nothing."""
        self._add(plugin, NOOP)

    def of_kind(self, kind: str) -> list[LoadedPlugin]:
        """The plug-ins registered as `kind`."""
        return [p for p in self.loaded if p.kind == kind]

    def load(self, modules: list[str], options: dict[str, dict[str, Any]]) -> None:
        """Import each module and call its ``coverage_init(self, options)``."""
        import importlib

        for module in modules:
            self._module = module
            try:
                mod = importlib.import_module(module)
            except Exception as exc:  # ImportError, or whatever the module raised
                raise PluginError(f"Couldn't import plug-in {module!r}: {describe_exception(exc)}") from None
            init = getattr(mod, "coverage_init", None)
            if not callable(init):
                raise PluginError(f"Plug-in module {module!r} has no coverage_init function")
            try:
                init(self, dict(options.get(module, {})))
            except Exception as exc:
                raise PluginError(f"Plug-in {module!r} failed in coverage_init: {describe_exception(exc)}") from None
        self._module = ""


class ConfigView:
    """coverage.py's configuration API over covcore's Config.

    Option names are coverage.py's ``"section:name"`` (``"run:omit"``,
    ``"report:exclude_lines"``, ``"paths"``, ``"PLUGIN:option"``); values
    have coverage.py's types (lists of strings, bools, a float fail_under,
    None for an unset ``run:source``).  A value set is checked as one read
    from a file would be.
    """

    def __init__(self, config: Config) -> None:
        self._config = config
        #: coverage.py options covcore doesn't act on, as plug-ins set them.
        self._foreign: dict[str, Any] = dict(_FOREIGN_DEFAULTS)

    @staticmethod
    def _split(option_name: str) -> tuple[str, str]:
        section, _, name = option_name.partition(":")
        return section, name

    def get_option(self, option_name: str) -> Any:
        """The value of ``"section:name"``; ConfigError for an unknown option."""
        c = self._config
        if option_name == "paths":
            return {k: list(v) for k, v in c.paths.items()}
        key = self._split(option_name)
        if key in _OPTIONS:
            value = getattr(c, _OPTIONS[key][0])
            if option_name in _NONE_WHEN_EMPTY and not value:
                return None
            return list(value) if isinstance(value, list) else value
        if option_name in self._foreign:
            return self._foreign[option_name]
        section, name = key
        if name and section in c.plugins:
            return c.plugin_options.get(section, {}).get(name)
        raise ConfigError(f"No such option: {option_name!r}")

    def set_option(self, option_name: str, value: Any) -> None:
        """Set ``"section:name"`` to `value`; ConfigError if it is unknown or invalid."""
        c = self._config
        if option_name == "paths":
            c.paths = {str(k): [str(p) for p in v] for k, v in dict(value).items()}
            return
        key = self._split(option_name)
        if key in _OPTIONS:
            attr, kind = _OPTIONS[key]
            if value is None:
                setattr(c, attr, getattr(Config(), attr))
                return
            try:
                converted = _convert(value, kind, toml=False)
                if attr in _FILE_ATTRS:
                    converted = os.path.expanduser(converted)
                _check(attr, converted, c)
            except ValueError as exc:
                raise ConfigError(f"{option_name}: {exc}") from None
            setattr(c, attr, converted)
            return
        if option_name in self._foreign:
            self._foreign[option_name] = value
            return
        section, name = key
        if name and section in c.plugins:
            c.plugin_options.setdefault(section, {})[name] = value
            return
        raise ConfigError(f"No such option: {option_name!r}")


def load_plugins(config: Config) -> Registry:
    """The plug-ins of ``[run] plugins``, loaded; the configurers have run.

    Raises PluginError (one line) for a plug-in that fails.
    """
    registry = Registry()
    registry.load(list(config.plugins), config.plugin_options)
    view = ConfigView(config)
    for loaded in registry.of_kind(CONFIGURER):
        try:
            loaded.plugin.configure(view)
        except Exception as exc:
            raise PluginError(f"Plug-in {loaded.name!r} failed in configure: {describe_exception(exc)}") from None
    return registry


def context_function(
    registry: Registry, warn: Callable[..., None],
) -> Optional[Callable[[FrameType], Optional[str]]]:
    """One function asking each dynamic-context plug-in in turn, or None if there are none.

    A plug-in whose ``dynamic_context`` raises is warned about once and not
    asked again (the measured program goes on).
    """
    plugins = registry.of_kind(DYNAMIC_CONTEXT)
    if not plugins:
        return None
    asked = [(p.name, p.plugin.dynamic_context) for p in plugins]

    def dynamic_context(frame: FrameType) -> Optional[str]:
        for i, (name, function) in enumerate(asked):
            try:
                context = function(frame)
            except Exception as exc:
                del asked[i]
                warn(f"Plug-in {name!r} failed in dynamic_context, not used from now on: {describe_exception(exc)}",
                     once_key=f"plugin-context:{name}", slug="plugin-failed")
                return None
            if context is not None:
                return str(context)
        return None

    return dynamic_context

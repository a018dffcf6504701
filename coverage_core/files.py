"""Which files are measured: the file decision behind ``should_trace``.

The tracers ask once per file name (they cache the answer); the answer is
the canonical file name to record lines under, or None.

Rules, in order:
  * names that are not files (``<string>``, ``<frozen ...>``) are never measured;
  * a file a file-tracer plug-in claims is measured by it (the answer is then
    a covcore.filetracers.PluginDisposition), if its source file passes the
    rules below;
  * ``omit`` patterns exclude;
  * with ``source`` (directories, or importable package names), only files
    inside those directories or packages are measured; a ``source`` entry
    with ``*``, ``?`` or ``[`` is a glob pattern (``packages/*/src``, ``**``
    too), standing for the directories and files it matches when measuring
    starts (coverage.py 7.18);
  * else with ``include`` patterns, only files matching them;
  * else files under the current directory, except the standard library,
    installed packages (site-packages) and covcore itself.
"""

from __future__ import annotations

import os
import site
import sys
from types import FrameType

from covcore.exceptions import ConfigError

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    import re
    from typing import Iterable, Iterator, Optional
    from covcore.filetracers import PluginTracing
    from covcore.types import TDisposition



# `re` and `fnmatch` are imported at their first use (a pattern to match),
# not by every measured process as it starts.


# Directory -> its symlink-free spelling.  A run sees many files in few
# directories, and os.path.realpath costs a system call per path component.
_real_dirs: dict[str, str] = {}


def canonical_filename(filename: str) -> str:
    """The absolute, symlink-free spelling of a file name."""
    path = os.path.abspath(filename)
    directory, base = os.path.split(path)
    real_dir = _real_dirs.get(directory)
    if real_dir is None:
        real_dir = _real_dirs[directory] = os.path.realpath(directory)
    path = os.path.join(real_dir, base)
    # The file itself may be a link: one lstat to know.
    return os.path.realpath(path) if os.path.islink(path) else path


def glob_to_regex(pattern: str) -> str:
    """A regex for a file path pattern.

    ``*`` matches within one path component, ``**`` across any number of
    directories, ``?`` one character; a leading ``*/`` acts as ``**/`` and a
    trailing ``/*`` as ``/**``.
    """
    pattern = pattern.replace("\\", "/")
    if pattern.startswith("*/"):
        pattern = "*" + pattern
    if pattern.endswith("/*"):
        pattern += "*"
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            import fnmatch

            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(_escape("["))
                i += 1
            else:
                out.append(fnmatch.translate(pattern[i:end + 1])[4:-3])
                i = end + 1
        else:
            out.append(_escape(pattern[i]))
            i += 1
    return "".join(out)


#: The characters re.escape() escapes.
_REGEX_SPECIAL = frozenset("()[]{}?*+-|^$\\.&~# \t\n\r\v\f")


def _escape(char: str) -> str:
    """`char` as a regex matching it, as re.escape() writes it (without importing re)."""
    return "\\" + char if char in _REGEX_SPECIAL else char


def _installed(part: str) -> bool:
    """Is a site-packages or dist-packages folder in `part` (either separator)?"""
    return any(f"{a}{name}-packages{b}" in part for name in ("site", "dist") for a in "/\\" for b in "/\\")


class GlobMatcher:
    """Matches file paths against a list of patterns."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = [self._prepare(p) for p in patterns if p]
        self._regex: Optional[re.Pattern[str]] = None
        if self.patterns:
            import re   # only where there are patterns: a measured process starts without it

            self._regex = re.compile("|".join(f"(?:{glob_to_regex(p)})" for p in self.patterns) + r"\Z")

    @staticmethod
    def _prepare(pattern: str) -> str:
        """Patterns not starting with a wildcard are relative to the current directory."""
        if pattern.startswith(("*", "?")):
            return pattern
        return canonical_filename(pattern).rstrip(os.sep) + (os.sep if pattern.endswith(("/", os.sep)) else "")

    def __bool__(self) -> bool:
        return self._regex is not None

    def match(self, path: str) -> bool:
        """Does `path` match any of the patterns?"""
        return self._regex is not None and self._regex.match(path.replace("\\", "/")) is not None


def _under(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _excluded_dirs() -> list[str]:
    """The standard library, installed packages and covcore itself.

    Without sysconfig: its paths cost every measured process about 4 ms of
    start-up (its configuration data module), and each of them lies under
    one of these (tests/test_files.py checks it on every supported Python).
    """
    dirs = {getattr(sys, "_stdlib_dir", None) or os.path.dirname(os.__file__)}
    dirs.update(getattr(site, "getsitepackages", lambda: [])())
    dirs.add(site.getusersitepackages())
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        for libdir in {"lib", getattr(sys, "platlibdir", "lib")}:
            dirs.add(os.path.join(prefix, libdir))
    dirs.add(os.path.dirname(__file__))
    return sorted({canonical_filename(path) for path in dirs})


class FileSelector:
    """Decides which files are measured (see the module docstring)."""

    def __init__(
        self,
        source: Iterable[str] = (),
        include: Iterable[str] = (),
        omit: Iterable[str] = (),
        cwd: Optional[str] = None,
        include_namespace_packages: bool = False,
    ) -> None:
        self.cwd = canonical_filename(cwd or os.getcwd())
        self.source_dirs: list[str] = []
        self.source_pkgs: list[str] = []
        #: The ``source`` glob patterns that matched nothing (the controller warns).
        self.unmatched_patterns: list[str] = []
        #: Unexecuted files are looked for in directories without __init__.py too.
        self.include_namespace_packages = include_namespace_packages
        for item in self._expand_patterns(source):
            path = os.path.join(self.cwd, item)
            if os.path.isdir(path):
                if os.path.dirname(os.path.abspath(path)) == os.path.abspath(path):
                    raise ConfigError(f"Source dir can't be a file system root: {item!r}")
                self.source_dirs.append(canonical_filename(path))
            elif os.path.isfile(path) and item.endswith(".py"):
                self.source_dirs.append(canonical_filename(path))
            else:
                self.source_pkgs.append(item)
        self.include = GlobMatcher(include)
        self.omit = GlobMatcher(omit)
        self._excluded_dirs: Optional[list[str]] = None
        self.covcore_dir = canonical_filename(os.path.dirname(__file__))
        #: The file-tracer plug-ins, asked first about each file (None: none configured).
        self.plugins: Optional[PluginTracing] = None

    def _expand_patterns(self, source: Iterable[str]) -> list[str]:
        """`source` with each glob pattern replaced by what it matches, sorted.

        A pattern is relative to the selector's directory; one that matches
        nothing is left out and noted in `unmatched_patterns`.
        """
        items: list[str] = []
        for item in source:
            if not any(char in item for char in "*?["):
                items.append(item)
                continue
            import glob  # only for patterns: its import costs start-up time

            matches = sorted(glob.glob(item, root_dir=self.cwd, recursive=True))
            if not matches:
                self.unmatched_patterns.append(item)
            items.extend(matches)
        return items

    @property
    def excluded_dirs(self) -> list[str]:
        """The directories never measured without --source or --include (see _excluded_dirs).

        Found on first use: with --source they are never needed, and finding
        them costs sysconfig's import and a few milliseconds at start-up.
        """
        if self._excluded_dirs is None:
            self._excluded_dirs = _excluded_dirs()
        return self._excluded_dirs

    def should_trace(self, filename: str, frame: Optional[FrameType] = None) -> TDisposition:
        """The name to record `filename` under, or None if it is not measured."""
        if not filename or filename.startswith("<") or filename.endswith(">"):
            return None
        if filename.endswith(("$py.class", ".pyc", ".pyo")):
            filename = filename.rsplit(".", 1)[0] + ".py"
        path = canonical_filename(filename)
        if _under(path, self.covcore_dir):
            return None
        if self.plugins is not None:
            claimed, disposition = self.plugins.claim(path, frame)
            if claimed:
                return disposition
        return self.select(path, frame)

    def select(self, path: str, frame: Optional[FrameType] = None) -> Optional[str]:
        """`path` (canonical) if the source, include and omit rules measure it, else None."""
        if self.source_dirs or self.source_pkgs:
            inside = any(_under(path, d) for d in self.source_dirs)
            if not inside and self.source_pkgs and frame is not None:
                modname = frame.f_globals.get("__name__")
                if isinstance(modname, str) and self._in_source_pkg(modname):
                    inside = True
                    self._remember_pkg_dir(modname, path)
            if not inside:
                return None
        elif self.include:
            if not self.include.match(path):
                return None
        else:
            if not _under(path, self.cwd):
                return None
            if any(_under(path, d) for d in self.excluded_dirs if not _under(self.cwd, d)):
                return None
            if _installed(path[len(self.cwd):]):
                return None
        if self.omit and self.omit.match(path):
            return None
        return path

    def _in_source_pkg(self, modname: str) -> bool:
        return any(modname == p or modname.startswith(p + ".") for p in self.source_pkgs)

    def _remember_pkg_dir(self, modname: str, path: str) -> None:
        """Once a module of a source package runs, its directory is a source directory."""
        for pkg in self.source_pkgs:
            if modname == pkg and os.path.basename(path) == "__init__.py":
                self.source_dirs.append(os.path.dirname(path))

    def report_filter(self, path: str) -> bool:
        """Is a measured file shown in reports (report-time include/omit)?"""
        if self.omit and self.omit.match(path):
            return False
        if self.include and not self.include.match(path):
            return False
        return True

    def unexecuted_candidates(self) -> Iterator[str]:
        """Python files of the source directories and packages, executed or not."""
        roots = list(self.source_dirs)
        for pkg in self.source_pkgs:
            directory = package_dir(pkg)
            if directory is not None and directory not in roots:
                roots.append(directory)
        seen: set[str] = set()
        for root in roots:
            if os.path.isfile(root):
                found: Iterable[tuple[str, bool]] = [(root, True)]
            else:
                # The roots are canonical, so the files found under them are,
                # but for links (the walk does not go through linked directories).
                found = _python_files(root, top=True, namespaces=self.include_namespace_packages)
            for path, is_link in found:
                if is_link:
                    path = canonical_filename(path)
                if path not in seen and not (self.omit and self.omit.match(path)):
                    seen.add(path)
                    yield path

    def unimported_sources(self) -> list[str]:
        """Source packages named with ``--source`` that were never found."""
        return [pkg for pkg in self.source_pkgs if package_dir(pkg) is None]


def package_dir(pkg: str) -> Optional[str]:
    """The directory of an importable package (or file of a module), without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(pkg)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.has_location:
        if spec is not None and spec.submodule_search_locations:
            locations = list(spec.submodule_search_locations)
            return canonical_filename(locations[0]) if locations else None
        return None
    if spec.submodule_search_locations:
        return canonical_filename(os.path.dirname(spec.origin))
    return canonical_filename(spec.origin)


# Characters a Python file's name never has before its ".py" (as coverage.py decides).
_NOT_IN_STEM = frozenset(".#~!$@%^&*()+,")


def _is_python_file_name(name: str) -> bool:
    """Is `name` a Python file's name: ``stem.py`` or ``stem.pyw``, the stem
    without ``.#~!$@%^&*()+,``?  (The regex ``^[^.#~!$@%^&*()+,]+\\.pyw?$``,
    without compiling it in every measured process.)"""
    if name.endswith("\n"):
        name = name[:-1]        # as the regex's $, which matches before a final newline
    stem, dot, ext = name.rpartition(".")
    return bool(dot) and ext in ("py", "pyw") and bool(stem) and _NOT_IN_STEM.isdisjoint(stem)


def find_python_files(directory: str, include_namespace_packages: bool = False) -> Iterator[str]:
    """Python files under `directory`: all of its own, and those of sub-packages.

    With `include_namespace_packages`, of every subdirectory, ``__init__.py``
    or not (implicit namespace packages, PEP 420).
    """
    for path, _ in _python_files(directory, top=True, namespaces=include_namespace_packages):
        yield path


def _python_files(directory: str, top: bool, namespaces: bool = False) -> Iterator[tuple[str, bool]]:
    """(path, is it a symbolic link) for find_python_files, in its order.

    As os.walk would list them (symbolic links to directories are not
    followed), but from one os.scandir per directory, whose entries know
    whether they are links without a system call each.
    """
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        return
    files: list[os.DirEntry[str]] = []
    dirs: list[os.DirEntry[str]] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        (dirs if is_dir else files).append(entry)
    if not top and not namespaces and not any(entry.name == "__init__.py" for entry in files):
        return
    for entry in files:
        if _is_python_file_name(entry.name):
            yield os.path.join(directory, entry.name), entry.is_symlink()
    for entry in dirs:
        if entry.name.startswith(".") or entry.name == "__pycache__" or entry.is_symlink():
            continue
        yield from _python_files(os.path.join(directory, entry.name), top=False, namespaces=namespaces)

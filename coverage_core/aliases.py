"""``[paths]``: the same source files under other names, for combining data.

Data measured on another machine (a CI runner, a container, Windows) names
its files under another root.  Each ``[paths]`` entry is a list: the first
item is the location here, the others are patterns (globs, with ``*`` and
``**``) for where the same files were elsewhere::

    [paths]
    source =
        src/
        /home/ci/*/src/
        C:\\build\\project\\src\\

Combining maps a file name that starts with a match of a pattern to the
first item plus the rest of the name, with this machine's separators, if
that file exists here; the first rule that gives an existing file wins, as
in coverage.py.  With ``relative_files`` the results stay relative (to the
current directory), and names under the current directory are made
relative too.
"""

from __future__ import annotations

import functools
import os
import re

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up time
if TYPE_CHECKING:
    from typing import Callable, Mapping, Optional, Sequence

from covcore.exceptions import ConfigError
from covcore.files import glob_to_regex


def _is_absolute_anywhere(path: str) -> bool:
    """Is `path` absolute on POSIX or on Windows (``C:\\``, ``\\\\server``)?"""
    return path.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:[\\/]", path) is not None


def _separator(path: str) -> str:
    """The separator `path` uses (``/`` unless it only has backslashes)."""
    if "/" not in path and "\\" in path:
        return "\\"
    return "/" if "/" in path else os.sep


class PathAliases:
    """The rules of a ``[paths]`` setting, mapping other machines' file names to ours."""

    def __init__(self, paths: Mapping[str, Sequence[str]], relative: bool = False) -> None:
        self.relative = relative
        self.rules: list[tuple[str, re.Pattern[str], str]] = []
        for items in paths.values():
            if not items:
                continue
            result = items[0]
            # The result names a real directory: a pattern there could never
            # match an existing file.
            if "*" in result or "?" in result:
                raise ConfigError(f"Result path must not contain wildcards: {result!r}")
            for pattern in items[1:]:
                self._add(pattern, result)

    def _add(self, pattern: str, result: str) -> None:
        shown = pattern
        if len(pattern) > 1:
            pattern = pattern.rstrip("/\\")
        if not self.relative and not pattern.startswith("*") and not _is_absolute_anywhere(pattern):
            pattern = os.path.abspath(pattern)
        regex = glob_to_regex(pattern.replace("\\", "/")) + "/"
        result = result.rstrip("/\\") + _separator(result)
        self.rules.append((shown, re.compile(regex, re.IGNORECASE), result))

    def map(self, path: str, exists: Callable[[str], bool] = os.path.exists) -> str:
        """The name of `path` here: mapped by the first rule whose result exists, else unchanged.

        (With ``relative_files``, a name under the current directory is made
        relative.)
        """
        slashed = path.replace("\\", "/")
        for _shown, regex, result in self.rules:
            match = regex.match(slashed)
            if match is None:
                continue
            rest = path[match.end():]
            new = result + rest.replace("\\" if result.endswith("/") else "/", result[-1])
            if not self.relative:
                new = os.path.realpath(os.path.abspath(new))
            elif new.startswith(("./", ".\\")) and not result.startswith(("./", ".\\")):
                new = new[2:]
            if exists(new):
                return new
        if self.relative:
            root = os.path.join(os.getcwd(), "")
            if path.startswith(root):
                return path[len(root):]
        return path

    def mapper(self) -> Optional[Callable[[str], str]]:
        """A cached :meth:`map`, or None when there is nothing to map."""
        if not self.rules and not self.relative:
            return None
        return functools.lru_cache(maxsize=None)(self.map)

"""The Cobertura XML report, laid out and counted as coverage.py's ``coverage xml``.

Readers written for coverage.py's XML (Codecov-style uploaders, Jenkins,
GitLab, diff-cover) read ours: the same elements and attributes, in the
same order, with the same numbers::

    <coverage lines-valid= lines-covered= line-rate= branches-valid= ...>
      <sources><source>/abs/dir</source></sources>
      <packages>
        <package name="pkg.sub" line-rate= branch-rate= complexity="0">
          <classes>
            <class name="mod.py" filename="pkg/sub/mod.py" ...>
              <methods/>
              <lines>
                <line number="12" hits="1" branch="true"
                      condition-coverage="50% (1/2)" missing-branches="15"/>

A package is a directory (``.`` for the top), up to ``package_depth``
levels deep; a class is a file.  File names are relative to the
``source`` directory they are in, or else to the current directory; each
such base directory is listed in ``<sources>``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from covcore.reporting import (
    branch_stats,
    check_has_data,
    human_key,
    printable,
    relative_filename,
    write_report_file,
)
from covcore.results import Analysis
from covcore.version import __version__

#: The Cobertura DTD the document follows (named in a comment, as coverage.py does).
DTD_URL = "https://raw.githubusercontent.com/cobertura/web/master/htdocs/xml/coverage-04.dtd"

_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def rate(hit: int, num: int) -> str:
    """`hit` / `num` as Cobertura shows it: "1" for none to count or all hit,
    "0" only for nothing hit, else 4 significant digits kept off 0 and 1."""
    if num == 0 or hit == num:
        return "1"
    if hit == 0:
        return "0"
    return f"{min(max(hit / num, 0.0001), 0.9999):.4g}"


def _attrs(pairs: Iterable[tuple[str, object]]) -> str:
    """`` name="value"`` for each pair, values escaped."""
    return "".join(f' {name}="{str(value).translate(_ATTR_ESCAPES)}"' for name, value in pairs)


@dataclass
class _Package:
    """One directory's classes (measured file name -> XML lines) and counts.

    Classes are keyed and ordered by the measured file's full name, not by
    the name the report shows: two files of the same relative name under two
    source directories are two classes (coverage.py 7.18 does the same).
    """

    classes: dict[str, list[str]] = field(default_factory=dict)
    hits: int = 0
    lines: int = 0
    br_hits: int = 0
    branches: int = 0


class _XmlBuilder:
    """Collects the files into packages, then writes the document."""

    def __init__(self, source_dirs: Sequence[str], package_depth: int, relative_to: str | None) -> None:
        self.sources: set[str] = set(source_dirs)
        self.package_depth = package_depth
        self.relative_to = relative_to
        self.packages: dict[str, _Package] = {}

    def _names(self, filename: str) -> str:
        """The file's name in the report: under a source directory, or relative."""
        slashed = filename.replace("\\", "/")
        for source in self.sources:
            if slashed.startswith(source.replace("\\", "/") + "/"):
                return slashed[len(source) + 1 :]
        rel_name = relative_filename(filename, self.relative_to).replace("\\", "/")
        self.sources.add(filename[: len(filename) - len(rel_name)].rstrip("\\/"))
        return rel_name

    def add_file(self, analysis: Analysis, has_arcs: bool) -> None:
        """Add one file as a class of its directory's package."""
        rel_name = printable(self._names(analysis.filename))
        dirname = os.path.dirname(rel_name) or "."
        dirname = "/".join(dirname.split("/")[: self.package_depth])
        package = self.packages.setdefault(dirname.replace("/", "."), _Package())

        stats = branch_stats(analysis) if has_arcs else {}
        missing_arcs = analysis.missing_branch_arcs() if has_arcs else {}
        out: list[str] = []
        for line in sorted(analysis.statements):
            pairs: list[tuple[str, object]] = [("number", line), ("hits", int(line not in analysis.missing))]
            if line in stats:
                total, taken = stats[line]
                pairs += [("branch", "true"), ("condition-coverage", f"{100 * taken // total}% ({taken}/{total})")]
            if line in missing_arcs:
                dests = ",".join("exit" if dest < 0 else str(dest) for dest in missing_arcs[line])
                pairs.append(("missing-branches", dests))
            out.append(f"\t\t\t\t\t\t<line{_attrs(pairs)}/>\n")

        lines = len(analysis.statements)
        hits = lines - len(analysis.missing)
        branches = sum(total for total, _ in stats.values())
        br_hits = sum(taken for _, taken in stats.values())
        class_attrs = _attrs([
            ("name", os.path.relpath(rel_name, dirname)),
            ("filename", rel_name),
            ("complexity", "0"),
            ("line-rate", rate(hits, lines)),
            ("branch-rate", rate(br_hits, branches) if has_arcs else "0"),
        ])
        head = f"\t\t\t\t<class{class_attrs}>\n\t\t\t\t\t<methods/>\n"
        body = f"\t\t\t\t\t<lines>\n{''.join(out)}\t\t\t\t\t</lines>\n" if out else "\t\t\t\t\t<lines/>\n"
        package.classes[analysis.filename.replace("\\", "/")] = [head, body, "\t\t\t\t</class>\n"]
        package.hits += hits
        package.lines += lines
        package.br_hits += br_hits
        package.branches += branches

    def document(self, has_arcs: bool) -> tuple[str, float]:
        """The XML text, and the total percent covered."""
        body: list[str] = []
        lines = hits = branches = br_hits = 0
        for name, package in sorted(self.packages.items(), key=lambda item: human_key(item[0])):
            pkg_attrs = _attrs([
                ("name", name.replace(os.sep, ".")),
                ("line-rate", rate(package.hits, package.lines)),
                ("branch-rate", rate(package.br_hits, package.branches) if has_arcs else "0"),
                ("complexity", "0"),
            ])
            body.append(f"\t\t<package{pkg_attrs}>\n\t\t\t<classes>\n")
            for _, parts in sorted(package.classes.items(), key=lambda item: human_key(item[0])):
                body.extend(parts)
            body.append("\t\t\t</classes>\n\t\t</package>\n")
            lines += package.lines
            hits += package.hits
            branches += package.branches
            br_hits += package.br_hits

        top: list[tuple[str, object]] = [
            ("version", __version__),
            ("timestamp", int(time.time() * 1000)),
            ("lines-valid", lines),
            ("lines-covered", hits),
            ("line-rate", rate(hits, lines)),
        ]
        if has_arcs:
            top += [("branches-valid", branches), ("branches-covered", br_hits), ("branch-rate", rate(br_hits, branches))]
        else:
            top += [("branches-covered", 0), ("branches-valid", 0), ("branch-rate", "0")]
        top.append(("complexity", "0"))

        sources = "".join(
            f"\t\t<source>{printable(path).translate(_TEXT_ESCAPES)}</source>\n"
            for path in sorted(self.sources, key=human_key)
        )
        text = "".join([
            '<?xml version="1.0" ?>\n',
            f"<coverage{_attrs(top)}>\n",
            f"\t<!-- Generated by covcore {__version__} -->\n",
            f"\t<!-- Based on {DTD_URL} -->\n",
            f"\t<sources>\n{sources}\t</sources>\n" if sources else "\t<sources/>\n",
            f"\t<packages>\n{''.join(body)}\t</packages>\n" if body else "\t<packages/>\n",
            "</coverage>\n",
        ])
        denominator = lines + branches
        percent = 100.0 * (hits + br_hits) / denominator if denominator else 0.0
        return text, percent


def source_directories(source: Iterable[str]) -> list[str]:
    """The configured ``source`` entries that are directories, as absolute paths."""
    return [
        os.path.normcase(os.path.realpath(os.path.abspath(src)))
        for src in source
        if os.path.exists(src)
    ]


def xml_report(
    analyses: Sequence[Analysis],
    outfile: str,
    source: Iterable[str] = (),
    package_depth: int = 99,
    skip_empty: bool = False,
    relative_to: str | None = None,
) -> float:
    """Write the Cobertura XML report of `analyses` to `outfile` (``-``: stdout).

    `source` is the configured ``source`` setting: its existing directories
    are the bases file names are relative to.  `skip_empty` leaves out files
    without statements.  Returns the total percent covered (0.0 for nothing
    to count); no analyses at all raises "No data to report.".
    """
    check_has_data(analyses)
    has_arcs = any(analysis.has_arcs for analysis in analyses)
    builder = _XmlBuilder(source_directories(source), package_depth, relative_to)
    for analysis in analyses:
        if skip_empty and not analysis.statements:
            continue
        builder.add_file(analysis, has_arcs)
    text, percent = builder.document(has_arcs)
    write_report_file(outfile, text, "XML report")
    return percent

"""Static line analysis: covcore's parser finds what coverage.py's finds.

Most tests are differential: a source snippet goes through both parsers with
the same exclusion regexes, and the statements, excluded lines and multi-line
map must be equal.  A few tests pin the expected sets down directly, so a
change in both tools would still be noticed.
"""

from __future__ import annotations

import glob
import os
import sys
import sysconfig
import textwrap
import warnings
from pathlib import Path

import coverage.exceptions
import coverage.parser
import coverage.python
import pytest

import covcore.parser
from covcore.exceptions import NoSource, NotPython
from covcore.parser import DEFAULT_EXCLUDE, PythonParser, join_regex, read_source
from report_oracle import coverage_parser, covcore_parser

# name -> (minimum Python, source).  Each is checked against coverage.py.
SNIPPETS: dict[str, tuple[tuple[int, int], str]] = {
    "module_docstring": ((3, 10), '''\
        """The module docstring,
        on two lines."""

        import os
        x = 1
        '''),
    "docstrings_everywhere": ((3, 10), '''\
        def f():
            """Function doc."""
            return 1

        class C:
            """Class doc.

            Long.
            """
            def m(self):
                \'\'\'Method doc.\'\'\'

        async def g():
            "async doc"
            await f()

        def not_a_docstring():
            x = 1
            "just a string"
        '''),
    "only_a_docstring": ((3, 10), '''\
        """Nothing but a docstring."""
        '''),
    "empty_file": ((3, 10), ""),
    "only_comments": ((3, 10), """\
        # A comment.
        # pragma: no cover

        # Another.
        """),
    "multiline_statements": ((3, 10), """\
        x = call(
            1,
            2,
        )
        y = [
            i for i in range(10)
            if i % 2
        ]
        z = 1 + \\
            2
        s = '''a
        b
        c'''
        a = 1; b = 2
        d = {
            "k": 1,
            "j": 2,
        }
        """),
    # The multi-line map comes from the tree, with only the lines between
    # simple statements tokenized (or all of them, where that could differ).
    "headers_over_several_lines": ((3, 10), """\
        import contextlib


        class A(
            object,
        ):
            # a comment between the header and the body

            def m(
                self, a=(1,
                         2),
            ) -> (
                int
            ):
                if (
                    a
                    and self
                ):
                    return 1
                elif (a or
                      self):
                    return 2
                # a comment before else
                else \\
                        :
                    return 3


        with (
            contextlib.suppress(ValueError) as x,
            contextlib.suppress(KeyError)
        ):
            pass
        try:
            pass
        except (
            ValueError,
            KeyError,
        ):
            pass
        for i in [
            1, 2,
        ]:
            print(i)
        """),
    "semicolons_and_one_line_bodies": ((3, 10), """\
        a = (1,
             2); b = (3,
                      4)
        c = 1; d = 2
        if a: e = (1,
                   2)
        else: f = 3; g = (4,
                          5)
        while not a: h = 1
        """),
    "a_header_that_runs_into_its_body": ((3, 10), """\
        a = 1
        for i in (1,
                  2): b = i
        c = 2
        """),
    "statements_ending_in_a_backslash": ((3, 10), """\
        x = 1 \\

        y = 2 \\
        # a comment
        z = 3
        """),
    "match_cases_over_several_lines": ((3, 10), """\
        match (
            1, 2
        ):
            case (
                1, _
            ) if (
                True
            ):
                x = 1
            case _:
                x = 2
        """),
    "multiline_def_and_decorators": ((3, 10), """\
        import functools

        @functools.lru_cache(
            maxsize=None,
        )
        def f(
            a,
            b=1,
        ):
            return (a +
                    b)

        @property
        @functools.wraps(f)
        def g(): pass

        class D(
            object,
        ):
            x = 1
        """),
    "pragma_on_def_and_class": ((3, 10), """\
        def covered():
            return 1

        def excluded():  # pragma: no cover
            x = 1

            return x

        class Excluded:  # pragma: no cover
            a = 1
            def m(self):
                return 2

        class Kept:
            def gone(self):  # pragma: no cover
                return 3
            def kept(self):
                return 4
        """),
    "pragma_on_decorator": ((3, 10), """\
        import functools

        @functools.cache  # pragma: no cover
        def cached():
            return 1

        @functools.total_ordering
        @some_decorator(  # pragma: no cover
            1,
        )
        class Deco:
            x = 1
        y = 2
        """),
    "pragma_on_multiline_signature_end": ((3, 10), """\
        def f(
            a,
            b,
        ):  # pragma: no cover
            return a

        def g(
            a,  # pragma: no cover
        ):
            return a
        z = 3
        """),
    "pragma_on_block_openers": ((3, 10), """\
        import sys
        if sys.platform == "nope":  # pragma: no cover
            a = 1
            b = 2
        elif sys.platform == "other":  # pragma: no cover
            c = 3
        for i in range(3):  # pragma: no cover
            d = 4
        else:
            e = 5
        while False:  # pragma: no cover
            f = 6
        with open(__file__) as fh:  # pragma: no cover
            g = 7
        try:  # pragma: no cover
            h = 8
        except ValueError:
            i = 9
        try:
            j = 10
        except ValueError:  # pragma: no cover
            k = 11
        finally:
            m = 12
        n = 13
        """),
    "pragma_on_else": ((3, 10), """\
        def f(x):
            if x:
                return 1
            else:  # pragma: no cover
                return 2

        def g(x):
            try:
                return 1
            except Exception:
                return 2
            else:  # pragma: no cover
                return 3
            finally:
                print("done")

        for i in range(3):
            pass
        else:  # pragma: no cover
            print("no break")
        """),
    "pragma_one_liners": ((3, 10), """\
        x = 1
        if x: y = 2  # pragma: no cover
        z = 3
        while x: x -= 1  # pragma: no cover
        w = 4  # pragma: no cover
        v = 5  #pragma:no cover
        u = 6  # PRAGMA NO COVER
        t = 7  # pragma nocover
        """),
    "pragma_inside_multiline_statement": ((3, 10), """\
        x = call(
            1,  # pragma: no cover
            2,
        )
        f = lambda: (
            1  # pragma: no cover
        )
        g = 3
        d = {
            "a": 1,  # pragma: no cover
        }
        """),
    "pragma_comment_line_before_block": ((3, 10), """\
        # pragma: no cover
        if True:
            a = 1
        def f():
            # pragma: no cover
            return 1
        """),
    "annotated_assignment_with_pragma": ((3, 10), """\
        x: int = 1  # pragma: no cover
        y: int = 2
        def f(a: int) -> int:
            b: int = a  # pragma: no cover
            return b
        """),
    "excluded_nested_blocks": ((3, 10), """\
        def outer():
            def inner():  # pragma: no cover
                if True:
                    return 1
                return 2
            x = 3
            if x:  # pragma: no cover
                for i in range(2):
                    print(i)

            # comment in between
            return x
        """),
    "nested_functions_and_classes": ((3, 10), """\
        def a():
            def b():
                def c():
                    return 1
                return c
            class Inner:
                def m(self):
                    return 2
            return b

        class Outer:
            class Nested:
                y = 1
                def n(self):
                    return 3
        """),
    "lambdas_and_comprehensions": ((3, 10), """\
        f = lambda x: x + 1
        g = lambda: (
            1
        )
        squares = [x * x for x in range(10)]
        evens = {x for x in range(10) if x % 2 == 0}
        table = {
            k: v
            for k, v in zip("abc", range(3))
        }
        gen = (
            x
            for x in range(3)
        )
        """),
    "match_statement": ((3, 10), """\
        def f(command):
            match command:
                case "go":
                    return 1
                case "stop" | "halt":
                    return 2
                case [x, y] if x > y:
                    return 3
                case {"k": v}:
                    return v
                case Point(x=0):
                    return 4
                case _:  # pragma: no cover
                    return 5

        def g(command):
            match command:
                case 1:
                    return 1
                case other:
                    raise ValueError(other)  # pragma: no cover

        def h(command):
            match command:
                case 2 if command:
                    return 2  # pragma: no cover
                case (1 as anything) | (_ as anything):
                    return 1  # pragma: no cover
        """),
    "async_code": ((3, 10), """\
        import asyncio

        async def fetch(
            n,
        ):
            async with asyncio.timeout(1):
                await asyncio.sleep(0)
            async for item in agen():  # pragma: no cover
                print(item)
            return [x async for x in agen()]

        async def agen():
            yield 1
        """),
    "if_name_main": ((3, 10), """\
        def main():
            return 0

        if __name__ == "__main__":  # pragma: no cover
            main()
            raise SystemExit(0)

        if __name__ == "__main__":
            main()
        """),
    "default_exclusions_ellipsis_and_type_checking": ((3, 10), """\
        from typing import TYPE_CHECKING, Protocol, overload
        import typing

        if TYPE_CHECKING:
            import os

        if typing.TYPE_CHECKING:
            import sys

        class P(Protocol):
            def m(self) -> int: ...
            def n(
                self,
            ) -> int:
                ...

        @overload
        def f(x: int) -> int: ...
        @overload
        def f(x: str) -> str: ...
        def f(x):
            return x
        """),
    "statement_keywords": ((3, 10), """\
        import os
        from os import path
        global_x = 1
        def f():
            global global_x
            global_x = 2
            del global_x
            assert True, (
                "message"
            )
            pass
            raise ValueError(
                "no"
            )
        while True:
            break
        for i in range(3):
            continue
        x = 1 if i else (
            2
        )
        """),
    "strings_and_fstrings": ((3, 10), '''\
        name = "x"
        a = f"{name:>10}"
        b = f"""
        {name!r:{10}}
        """
        c = (
            "implicit "
            "concatenation"
        )
        d = "# pragma: no cover in a string"
        e = 1
        '''),
    "decorated_class_and_methods": ((3, 10), """\
        import dataclasses

        @dataclasses.dataclass
        class Point:
            x: int = 0
            y: int = 0

            @property
            def norm(self):
                return abs(self.x) + abs(self.y)

            @norm.setter
            def norm(self, value):  # pragma: no cover
                raise AttributeError("read-only")

            @staticmethod
            def origin():
                return Point()
        """),
    "with_and_try_everything": ((3, 10), """\
        def f(path):
            try:
                with open(path) as a, \\
                     open(path) as b:
                    return a.read() + b.read()
            except (OSError,
                    ValueError) as exc:
                return str(exc)
            except Exception:
                raise
            else:
                return None
            finally:
                print("done")
        """),
    "try_star": ((3, 11), """\
        try:
            raise ExceptionGroup("g", [ValueError(1)])
        except* ValueError:  # pragma: no cover
            print("value")
        except* TypeError:
            print("type")
        """),
    "type_statements_and_generics": ((3, 12), """\
        type Alias = list[int]
        type Pair[T] = tuple[T, T]

        def first[T](items: list[T]) -> T:
            return items[0]

        class Box[T]:
            def __init__(self, item: T) -> None:
                self.item = item
        """),
    "nested_fstring_quotes": ((3, 12), """\
        items = ["a", "b"]
        s = f"{", ".join(f"{x!r}" for x in items)}"
        t = f"{
            len(items)
        }"
        """),
    "unicode_and_tabs": ((3, 10), """\
        café = "naïve"
        def f():
        \tif café:
        \t\treturn 1  # pragma: no cover
        \treturn 2
        """),
    "semicolons_and_continuations": ((3, 10), """\
        import os; import sys
        if os: x = 1; y = 2
        total = (1 +
                 2) ; other = 3
        """),
    "class_body_statements": ((3, 10), """\
        class C:
            a = 1
            b = [
                2,
            ]
            def m(self): return self.a
            if a:
                c = 3
        """),
    "unreachable_code": ((3, 10), """\
        def f():
            return 1
            print("never")
            x = 2

        def g():
            raise ValueError
            y = 3

        while True:
            pass
        z = 4
        """),
}


def _snippet(name: str) -> str:
    minimum, text = SNIPPETS[name]
    if sys.version_info < minimum:
        pytest.skip(f"needs Python {'.'.join(map(str, minimum))}")
    return textwrap.dedent(text)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_same_as_coverage(name: str) -> None:
    text = _snippet(name)
    theirs = coverage_parser(text)
    ours = covcore_parser(text)
    assert sorted(ours.statements) == sorted(theirs.statements)
    assert sorted(ours.excluded) == sorted(theirs.excluded)
    assert ours.multiline_map == theirs.multiline_map
    assert ours.raw_statements == theirs.raw_statements
    assert ours.raw_docstrings == theirs.raw_docstrings


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_without_exclusions_same_as_coverage(name: str) -> None:
    text = _snippet(name)
    ours, theirs = covcore_parser(text, exclude=[]), coverage_parser(text, exclude=[])
    assert ours.statements == theirs.statements
    assert ours.multiline_map == theirs.multiline_map


@pytest.mark.parametrize(
    "regexes",
    [
        [r"^\s*raise ValueError"],
        [r"2,$"],  # matches a middle line of multi-line statements
        [r"def m\(self\):"],
        [r"if __name__ == .__main__.:", r"#\s*pragma: no cover"],
        [r"x = call\(\n\s+1,"],  # a regex spanning two lines
        [r"^"],  # every line
    ],
)
@pytest.mark.parametrize(
    "name", ["multiline_statements", "class_body_statements", "if_name_main", "statement_keywords"]
)
def test_custom_exclude_regexes_same_as_coverage(name: str, regexes: list[str]) -> None:
    text = _snippet(name)
    theirs = coverage_parser(text, exclude=regexes)
    ours = covcore_parser(text, exclude=regexes)
    assert (ours.statements, ours.excluded) == (theirs.statements, theirs.excluded)


def test_statements_of_a_small_file() -> None:
    parser = covcore_parser(_snippet("pragma_on_else"))
    # `finally:` (line 14) is not a statement; each `else:` goes with its body.
    assert sorted(parser.statements) == [1, 2, 3, 7, 8, 9, 10, 11, 15, 17, 18]
    assert sorted(parser.excluded) == [4, 5, 12, 13, 19, 20]


def test_multiline_statement_counts_at_its_first_line() -> None:
    parser = covcore_parser("x = call(\n    1,\n    2,\n)\ny = 5\n")
    assert parser.statements == {1, 5}
    assert parser.multiline_map == {1: 1, 2: 1, 3: 1, 4: 1}
    assert parser.first_line(3) == 1
    assert parser.first_line(5) == 5
    assert parser.first_line(-3) == -1
    assert parser.translate_lines([2, 3, 5]) == {1, 5}


def test_excluded_def_excludes_every_line_of_it() -> None:
    parser = covcore_parser("def f():  # pragma: no cover\n    a = 1\n\n    return a\nb = 2\n")
    assert parser.statements == {5}
    assert parser.excluded == {1, 2, 3, 4}


def test_excluded_body_of_an_always_matching_case_excludes_the_case() -> None:
    """Like ``else:``: a case that always matches goes with its excluded body, others stay."""
    text = textwrap.dedent("""\
        match v:
            case 1:
                a = 1  # pragma: no cover
            case 2 | (3 | _) as x:
                a = 2  # pragma: no cover
        """)
    parser = covcore_parser(text)
    assert parser.excluded == {3, 4, 5}
    parser = covcore_parser(text.replace("(3 | _) as x", "(3 | 4) as x"))
    assert parser.excluded == {3, 5}


def test_no_exclusion_without_regex() -> None:
    parser = PythonParser(text="x = 1  # pragma: no cover\n")
    parser.parse_source()
    assert parser.statements == {1}
    assert parser.excluded == set()


def test_join_regex() -> None:
    assert join_regex([]) is None
    assert join_regex(["a"]) == "a"
    assert join_regex(["a", "b|c"]) == "(?:a)|(?:b|c)"


def test_parser_needs_text_or_filename() -> None:
    with pytest.raises(ValueError):
        PythonParser()


@pytest.mark.parametrize(
    "text",
    [
        "def f(:\n    pass\n",
        "x = (\n",
        "if True:\n  a = 1\n    b = 2\n",
        "x = 1\n\tif x:\n",
        "'''unterminated\n",
        "x = 'it\\'s\n",
        "print 'hello'\n",
    ],
)
def test_not_python_message_same_as_coverage(text: str) -> None:
    with pytest.raises(coverage.exceptions.NotPython) as theirs:
        coverage.parser.PythonParser(text=text, filename="bad.py").parse_source()
    with pytest.raises(NotPython) as ours:
        PythonParser(text=text, filename="bad.py").parse_source()
    assert str(ours.value) == str(theirs.value)
    assert str(ours.value).startswith("Couldn't parse 'bad.py' as Python source: ")


def test_not_python_has_one_clear_message() -> None:
    with pytest.raises(NotPython, match=r"^Couldn't parse 'x.py' as Python source: '.*' at line 1$"):
        PythonParser(text="def (\n", filename="x.py").parse_source()


def test_null_bytes_are_not_python() -> None:
    # coverage.py 7.16 on Python 3.10 lets a ValueError escape here.
    with pytest.raises(NotPython, match="^Couldn't parse 'n.py' as Python source: 'source code"):
        PythonParser(text="x = 1\n\0\n", filename="n.py").parse_source()


def test_compiler_warnings_are_not_repeated() -> None:
    # An invalid escape is a SyntaxWarning (3.12+) or DeprecationWarning;
    # with filterwarnings=error it would fail this test if it escaped.
    parser = PythonParser(text='x = "\\d"\n')
    parser.parse_source()
    assert parser.statements == {1}


# -- Reading source files


def test_read_source_normalizes_like_coverage(tmp_path: Path) -> None:
    path = tmp_path / "crlf.py"
    path.write_bytes(b"x = 1\r\nif x:\r  y = 2\f\r\n# no final newline")
    text = read_source(str(path))
    assert text == "x = 1\nif x:\n  y = 2 \n# no final newline\n"
    assert text == coverage.python.get_python_source(str(path))


def test_read_source_honours_encoding_declaration(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n")
    assert read_source(str(path)) == "# -*- coding: latin-1 -*-\nname = '\u00e9t\u00e9'\n"


def test_undecodable_source_is_not_python(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"name = '\xe9t\xe9'\n")
    with pytest.raises(NotPython, match=r"^Couldn't parse '.*latin\.py' as Python source: 'invalid"):
        read_source(str(path))


def test_read_source_drops_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\n")
    assert read_source(str(path)) == "x = 1\n"


def test_read_source_from_zip(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "lib.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pkg/mod.py", "a = 1\n")
    assert read_source(str(archive / "pkg" / "mod.py")) == "a = 1\n"
    with pytest.raises(NoSource):
        read_source(str(archive / "pkg" / "missing.py"))


def test_missing_source_is_nosource(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.py")
    with pytest.raises(NoSource, match=r"^No source for code: '.*gone\.py'\.$"):
        PythonParser(filename=missing)


def test_parser_reads_filename(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text('"""doc"""\nx = 1\n', encoding="utf-8")
    parser = PythonParser(filename=str(path), exclude=join_regex(DEFAULT_EXCLUDE))
    parser.parse_source()
    assert parser.statements == {2}


# -- A sample of the standard library


def _stdlib_files() -> list[str]:
    """Every .py file of the standard library, tests included, sorted."""
    stdlib = sysconfig.get_paths()["stdlib"]
    return sorted(
        path
        for path in glob.glob(os.path.join(stdlib, "**", "*.py"), recursive=True)
        if "site-packages" not in path
    )


def _stdlib_sample() -> list[str]:
    """About 150 standard library files, spread evenly (all with COVCORE_ALL_STDLIB=1)."""
    files = _stdlib_files()
    if os.environ.get("COVCORE_ALL_STDLIB") == "1":
        return files
    step = max(1, len(files) // 150)
    return files[::step]


def _analysis_by_coverage(path: str, regex: str) -> object:
    """coverage.py's statements and excluded lines (or its NotPython message)."""
    try:
        parser = coverage.parser.PythonParser(filename=path, exclude=regex)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parser.parse_source()
    except coverage.exceptions.NotPython as exc:
        return str(exc)
    except SyntaxError as exc:
        # An undecodable file: coverage.py lets the error out, covcore says
        # NotPython with the same text (see _analysis_by_covcore).
        return f"Couldn't parse '{path}' as Python source: {exc.args[0]!r}"
    return parser.statements, parser.excluded, parser.multiline_map


def _analysis_by_covcore(path: str, regex: str) -> object:
    """covcore's statements and excluded lines (or its NotPython message)."""
    try:
        parser = PythonParser(filename=path, exclude=regex)
        parser.parse_source()
    except NotPython as exc:
        return str(exc)
    return parser.statements, parser.excluded, parser.multiline_map


def test_stdlib_sample_same_as_coverage() -> None:
    # On every Python here (3.10-3.13), every standard library file agrees,
    # parse failures included (their messages are equal), so no file is
    # allowed to differ.  The one documented difference: a file whose
    # encoding cannot be determined (a test file of the tokenizer) makes
    # coverage.py raise SyntaxError, covcore NotPython with the same text.
    regex = join_regex(DEFAULT_EXCLUDE)
    assert regex is not None
    files = _stdlib_sample()
    assert len(files) >= 150 or os.environ.get("COVCORE_ALL_STDLIB") == "1"
    different = [
        path for path in files if _analysis_by_covcore(path, regex) != _analysis_by_coverage(path, regex)
    ]
    assert different == []


# A long file analyzed in slices (keep_tree=False, covcore.parser.SLICE_LINES
# lowered here) gives what the whole file gives, and coverage.py's results.

def _whole_and_sliced(text: str, monkeypatch: pytest.MonkeyPatch, size: int) -> tuple[PythonParser, PythonParser]:
    monkeypatch.setattr(covcore.parser, "SLICE_LINES", size)
    monkeypatch.setattr(covcore.parser, "MAX_SLICES", 10**9)
    regex = join_regex(DEFAULT_EXCLUDE)
    whole = PythonParser(text=text, exclude=regex)
    whole.parse_source()
    sliced = PythonParser(text=text, exclude=regex, keep_tree=False)
    sliced.parse_source()
    return whole, sliced


def _regions(parser: PythonParser) -> list[tuple[str, str, int, list[int]]]:
    return [(r.kind, r.name, r.start, sorted(r.lines)) for r in parser.code_regions()]


def _assert_same(whole: PythonParser, sliced: PythonParser) -> None:
    for name in ("statements", "excluded", "raw_statements", "raw_excluded", "raw_docstrings", "multiline_map"):
        assert getattr(sliced, name) == getattr(whole, name), name
    assert _regions(sliced) == _regions(whole)
    assert sliced.arcs() == whole.arcs()     # parsed again, whole, on demand


@pytest.mark.parametrize("name", sorted(SNIPPETS))
@pytest.mark.parametrize("size", [3, 7])
def test_a_snippet_in_slices_is_analyzed_as_whole(name: str, size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _snippet(name)
    whole, sliced = _whole_and_sliced(text, monkeypatch, size)
    _assert_same(whole, sliced)
    theirs = coverage_parser(text)
    assert (sliced.statements, sliced.excluded, sliced.multiline_map) == (
        theirs.statements, theirs.excluded, theirs.multiline_map)


SLICED_FILE = '''\
# A comment, then the module docstring after the first cut.
#
#
"""The module's docstring."""
import sys
x = 1


def f(a):
    """f's docstring."""
    if a:  # pragma: no cover
        return 1
    return 2
@property
def g():
    return (1,
            2)
y = """
    text in a string
"""
class C:
    def m(self):
        return 1
if x:
    pass
else:
    y = 2
z = [
    1, 2]
print(f(0))
'''


@pytest.mark.parametrize("size", [3, 4, 6, 10])
def test_a_file_in_slices_is_analyzed_as_whole(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, sliced = _whole_and_sliced(SLICED_FILE, monkeypatch, size)
    assert sliced.ast_root is None              # analyzed in slices, no tree kept
    _assert_same(whole, sliced)


@pytest.mark.parametrize("text", [
    "import sys\nx = 1\nraise SystemExit\ny = 2\nz = 3\nw = 4\nv = 5\nu = 6\n",       # the rest can't run
    "from __future__ import annotations\nx: int = 1\ny = 2\nz = 3\nw = 4\nv = 5\nu = 6\n",
    "x = 1\ny = 2\nz = 3\nw = 4\nif x:\n    global q\nq = 5\nu = 6\n",            # a global outside functions
    "x = 1\ny = 2\nz = 3\nw = 4\nv = 5\nu = (\n6\n",                                # a syntax error at the end
    'x = 1\ny = 2\nz = 3\nw = """\nv = 5\nu = 6\n"""\nt = (\n7)\ns = 8\n',           # cuts in a string, a bracket
])
def test_a_file_slices_could_get_wrong_is_analyzed_whole(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(covcore.parser, "SLICE_LINES", 2)
    monkeypatch.setattr(covcore.parser, "MAX_SLICES", 10**9)
    regex = join_regex(DEFAULT_EXCLUDE)
    whole = PythonParser(text=text, exclude=regex)
    sliced = PythonParser(text=text, exclude=regex, keep_tree=False)
    try:
        whole.parse_source()
    except NotPython as exc:
        with pytest.raises(NotPython) as raised:
            sliced.parse_source()
        assert str(raised.value) == str(exc)
        return
    sliced.parse_source()
    assert sliced.ast_root is not None          # analyzed whole, its tree kept
    _assert_same(whole, sliced)
    theirs = coverage_parser(text)
    assert sliced.statements == theirs.statements

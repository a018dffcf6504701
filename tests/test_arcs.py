"""Static arc analysis (covcore.arcs, PythonParser.arcs) against coverage.py's parser.

Snippets of every statement kind: the possible arcs, the exit counts, the
rewriting of measured arcs (``with`` exits, lines of multi-line statements)
and the sentences describing missed arcs must be those of coverage.py 7.18
(7.16.2 on Python 3.10, where the rewriting of ``with`` exits differs).
"""

from __future__ import annotations

import ast
import random
import sys
import textwrap
import warnings

import coverage
import coverage.parser
import pytest

from covcore.arcs import ArcFinder, constant_truth, describe_missing_arc, is_irrefutable
from covcore.parser import PythonParser

SNIPPETS: dict[str, str] = {
    "empty": "",
    "comments_only": "# just a comment\n",
    "straight": "a = 1\nb = 2\n",
    "if_else": """\
        if a:
            b = 1
        else:
            b = 2
        c = 3
        """,
    "elif_chain": """\
        def f(x):
            if x == 1:
                return 1
            elif x == 2:
                y = 2
            elif x == 3:
                raise ValueError
            else:
                y = 4
            return y
        """,
    "constants": """\
        if 0:
            a = 1
        if 1:
            b = 1
        else:
            b = 2
        while True:
            if b:
                break
        while 0:
            c = 1
        else:
            c = 2
        if not (True and __debug__):
            d = 1
        if None or False:
            e = 1
        while 1:
            break
        else:
            f = 1
        """,
    "short_circuit": "x = a and b or c\ny = p if q else r\nif a and (b or c):\n    z = 1\n",
    "for_else": """\
        for i in range(3):
            if i == 1:
                continue
            if i == 5:
                break
        else:
            done = True
        after = 1
        """,
    "while_else": """\
        while n:
            n -= 1
            if n == 3:
                break
        else:
            n = -1
        """,
    "nested_loops": """\
        for a in x:
            for b in y:
                while c:
                    if d:
                        break
                    continue
                else:
                    pass
        """,
    "try_everything": """\
        def f():
            try:
                a = 1
            except ValueError:
                a = 2
            except (TypeError, KeyError) as e:
                raise
            else:
                a = 3
            finally:
                b = 4
            return a
        """,
    "finally_ends_with_condition": """\
        def f(x):
            try:
                g(x)
            finally:
                if x:
                    h()
            return 1

        for i in range(3):
            try:
                g(i)
            finally:
                while i:
                    i -= 1
        """,
    "try_finally_jumps": """\
        def f(items):
            for i in items:
                try:
                    if i:
                        break
                    if not i:
                        continue
                    return i
                finally:
                    cleanup()
            try:
                raise KeyError
            finally:
                pass
            return 0
        """,
    "raise_nested": """\
        def f(x):
            while x:
                try:
                    if x > 3:
                        raise ValueError
                except ValueError:
                    raise KeyError
                x -= 1
            raise IndexError
        """,
    "with_simple": """\
        with open(a) as f:
            x = 1
            y = 2
        z = 3
        """,
    "with_nested_chain": """\
        def f():
            with a:
                with b:
                    with c:
                        x = 1
            y = 2
        """,
    "with_return_break": """\
        def f(n):
            for i in range(n):
                with a:
                    if i:
                        break
                    if n:
                        return 1
            with b:
                pass
        """,
    "with_one_line": "with a: x = 1\nwith b:\n    with c: y = 2\nz = 3\n",
    "with_multi_items": """\
        with (
            open(a) as f,
            open(b) as g,
        ):
            x = 1
        y = 2
        """,
    "with_in_finally": """\
        def f():
            try:
                raise ValueError
            finally:
                with a:
                    b = 1
        """,
    "async_constructs": """\
        async def f(xs):
            async with a:
                async for x in xs:
                    if x:
                        await g()
                else:
                    pass
            return 1
        """,
    "match_cases": """\
        match x:
            case 1:
                a = 1
            case [y, z] if y:
                a = 2
            case {"k": v}:
                a = 3
            case Point(x=0) | Point(y=0):
                a = 4
        match y:
            case (
                1
                | 2
            ):
                b = 1
            case other:
                b = 2
        match z:
            case _:
                c = 1
        """,
    "decorators": """\
        @a
        @b(
            1,
        )
        @c
        def f():
            return 1

        @dataclass
        class C:
            x: int = 1
            if x:
                y = 2
        """,
    "class_bodies": """\
        class A:
            try:
                import foo
            except ImportError:
                foo = None
            for n in range(3):
                pass
            def m(self):
                if self:
                    return 1
        """,
    "generators_lambdas": """\
        def gen(n):
            while n:
                yield n
                n -= 1
            yield from other()
        f = lambda x: x if x else 0
        squares = [x * x for x in range(10) if x]
        """,
    "multiline_statements": """\
        x = [
            1,
            2,
        ]
        if (a and
                b):
            y = {
                "k": 1,
            }
        for item in (
            1, 2,
        ):
            call(
                item,
            )
        """,
    "one_line_compounds": """\
        if a: b = 1
        else: b = 2
        for i in x: pass
        while y: y -= 1
        try: z = 1
        except E: z = 2
        def f(): return 1
        class K: pass
        """,
    "semicolons": "a = 1; b = 2\nif a: c = 1; d = 2\n",
    "docstrings": '''\
        """Module doc."""

        def f():
            """Function doc."""

        class C:
            """Class doc."""
            x = 1
        ''',
    "walrus_assert_del_global": """\
        def f(items):
            global g
            if (n := len(items)) > 1:
                del items[0]
            assert n, "msg"
            while (x := next(it, None)) is not None:
                pass
            nonlocal_ok = 1
        """,
    "return_in_class_method_else": """\
        def f(x):
            if x:
                return 1
            else:
                return 2
        """,
    "pragmas": """\
        def f(x):
            if x:  # pragma: no cover
                return 1
            while x:  # pragma: no branch
                x -= 1
            if x > 3:
                a = 1  # pragma: no cover
            else:
                a = 2
            return a
        """,
}

if sys.version_info >= (3, 11):
    SNIPPETS["except_star"] = """\
        try:
            a = 1
        except* ValueError:
            a = 2
        except* TypeError:
            raise
        else:
            a = 3
        """
if sys.version_info >= (3, 12):
    SNIPPETS["type_params"] = """\
        type Alias[T] = list[T]
        def f[T](x: T) -> T:
            if x:
                return x
            return x
        class C[T]:
            pass
        """


def _parsers(text: str) -> tuple[coverage.parser.PythonParser, PythonParser]:
    text = textwrap.dedent(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = coverage.parser.PythonParser(
            text=text, filename="<code>", exclude=r"#\s*pragma: no cover"
        )
        theirs.parse_source()
    ours = PythonParser(text=text, exclude=r"#\s*pragma: no cover")
    ours.parse_source()
    return theirs, ours


def _sentences(text: str) -> set[str]:
    """coverage.py's sentence, without the parts that give no reason."""
    parts = [part.removesuffix(" because ") for part in text.split(" or ")]
    return set([part for part in parts if " because " in part] or parts)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_possible_arcs_same_as_coverage(name: str) -> None:
    theirs, ours = _parsers(SNIPPETS[name])
    assert sorted(ours.arcs()) == sorted(theirs.arcs())
    assert ours.exit_counts() == dict(theirs.exit_counts())


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_missing_arc_descriptions_same_as_coverage(name: str) -> None:
    if name == "finally_ends_with_condition" and coverage.version_info[:3] < (7, 17, 0):
        pytest.skip("coverage.py 7.16 gives the reason of a finally clause's last condition")
    theirs, ours = _parsers(SNIPPETS[name])
    for start, end in sorted(theirs.arcs()):
        want = _sentences(theirs.missing_arc_description(start, end))
        assert set(ours.missing_arc_description(start, end).split(" or ")) == want


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_measured_arcs_translated_like_coverage(name: str) -> None:
    """Measured arcs map as coverage.py maps them: random subsets of the arcs
    the analyzer saw before rewriting (with-exits among them), plus noise."""
    theirs, ours = _parsers(SNIPPETS[name])
    theirs.arcs()  # coverage.py rewrites measured arcs only once it has analyzed
    assert ours.ast_root is not None
    finder = ArcFinder(ours.ast_root, ours.raw_statements, ours.multiline_map)
    finder.analyze()
    raw = sorted(finder.arcs)
    lines = sorted({abs(n) for arc in raw for n in arc} | ours.raw_statements)
    noise = [(a, b) for a in lines for b in lines + [-lines[0]]] if lines else []
    rng = random.Random(name)
    for _ in range(30):
        measured = {arc for arc in raw if rng.random() < 0.6}
        measured.update(rng.sample(noise, min(len(noise), rng.randint(0, 3))))
        assert ours.translate_arcs(measured) == theirs.translate_arcs(measured)


def test_condition_sentences() -> None:
    _, parser = _parsers("if x:\n    y = 2\nz = 3\n")
    assert parser.missing_arc_description(1, 3) == (
        "line 1 didn't jump to line 3 because the condition on line 1 was always true"
    )
    assert parser.missing_arc_description(1, 2) == (
        "line 1 didn't jump to line 2 because the condition on line 1 was never true"
    )


def test_finally_exits_give_no_reason() -> None:
    """What leaves a `finally` may be stopped by a pending exception or return:
    the sentence gives no reason (coverage.py 7.18)."""
    _, parser = _parsers(SNIPPETS["finally_ends_with_condition"])
    assert parser.missing_arc_description(5, 7) == "line 5 didn't jump to line 7"
    assert parser.missing_arc_description(5, 6) == (
        "line 5 didn't jump to line 6 because the condition on line 5 was never true"
    )
    assert parser.missing_arc_description(13, 9) == "line 13 didn't jump to line 9"


def test_exit_sentences() -> None:
    _, parser = _parsers(SNIPPETS["elif_chain"])
    assert parser.missing_arc_description(3, -1) == (
        "line 3 didn't return from function 'f' because the return on line 3 wasn't executed"
    )
    assert parser.missing_arc_description(7, -1) == (
        "line 7 didn't except from function 'f' because the raise on line 7 wasn't executed"
    )
    _, parser = _parsers("for i in x:\n    pass\n")
    assert parser.missing_arc_description(1, -1) == (
        "line 1 didn't exit the module because the loop on line 1 didn't complete"
    )
    assert parser.arc_description(1, -1) == "exit the module"
    assert parser.arc_description(1, 2) == "jump to line 2"


def test_sentence_without_fragments() -> None:
    assert describe_missing_arc([], 4, 9) == "line 4 didn't jump to line 9"
    assert describe_missing_arc([], 4, -1) == "line 4 didn't jump to the function exit"


@pytest.mark.parametrize(
    "source, truth",
    [
        ("True", True), ("0", False), ("''", False), ("None", False), ("__debug__", True),
        ("not 1", False), ("1 and 0", False), ("0 or 'x'", True), ("x", None),
        ("not x", None), ("1 and x", None), ("f()", None),
    ],
)  # fmt: skip
def test_constant_truth(source: str, truth: bool | None) -> None:
    assert constant_truth(ast.parse(source, mode="eval").body) == truth


def test_arcs_need_parsed_source() -> None:
    with pytest.raises(ValueError, match="parse_source"):
        PythonParser(text="x = 1\n").arcs()


def _case(source: str) -> ast.match_case:
    """The first ``case`` of a one-case match statement around `source`."""
    match = ast.parse(f"match subject:\n    {source}:\n        pass\n").body[0]
    assert isinstance(match, ast.Match)
    return match.cases[0]


@pytest.mark.parametrize(
    "case",
    [
        "case _", "case rest", "case _ as whole", "case (rest as inner) as outer",
        "case 1 | _", "case 1 | 2 | rest", "case 1 | (2 | _)", "case (1 | _) as whole",
        "case ((1 as one) | (_ as one)) as whole", "case (1 | (2 | rest) as inner) as whole",
    ],
)  # fmt: skip
def test_irrefutable_cases(case: str) -> None:
    """A bare capture or `_`, under `as` layers, or as any alternative of an or-pattern."""
    assert is_irrefutable(_case(case))


@pytest.mark.parametrize(
    "case",
    [
        # Guards can fail, whatever the pattern.
        "case _ if ready", "case rest if rest", "case (1 | _) as whole if whole",
        # Values, constants, classes, sequences and mappings can all fail to match.
        "case 1", "case None", "case Color.RED", "case 1 | 2", "case 1 as one",
        "case object()", "case Point(x=_)", "case str(_) | int(_)", "case [*rest]",
        "case (first, *rest)", "case {**rest}", "case (_ as whole) if whole",
    ],
)  # fmt: skip
def test_refutable_cases(case: str) -> None:
    assert not is_irrefutable(_case(case))


def test_irrefutable_last_case_has_no_way_out() -> None:
    """After a last case that always matches, the match never falls through.

    coverage.py 7.17 sees through an or-pattern only at the top, so for
    ``case (1 | _) as x:`` it counts an exit that can never be taken; covcore
    follows Python's rule and does not.
    """
    source = textwrap.dedent("""\
        match v:
            case 0:
                a = 1
            case (1 | _) as x:
                a = 2
        b = 3
        """)
    _, ours = _parsers(source)
    assert (4, 6) not in ours.arcs()
    assert ours.exit_counts()[4] == 1
    _, ours = _parsers(source.replace("(1 | _) as x", "(1 | 2) as x"))
    assert (4, 6) in ours.arcs()

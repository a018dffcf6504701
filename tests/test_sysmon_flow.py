"""Branch mode of the sys.monitoring core switches a code object's events off
once every arc its bytecode allows is recorded (ctracer/sysflow.c).

Each test runs a program long enough for its functions to be switched off,
then makes them do something rarer (raise from a new line, run in another
thread, recurse, ...), and checks that the arcs are exactly those of the
settrace core, and that the fast path was really taken where it should be.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

import covcore
from covcore import cores
from test_tracer import _import

pytestmark = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring needs Python 3.12")

OFF = "off"
#: What _arcs() gives as the state of code on the sysmon core's INSTRUCTION
#: path (3.12 and 3.13, long code or COVCORE_SYSMON_INSTR=all) whose line
#: starts can be entered from their own line: it stays outside the flow
#: model, every frame tracked (ctracer/sysinstr.h), so it never turns off.
AMBIGUOUS = "tracked (INSTRUCTION events, ambiguous)"


def _arcs(core: str, path: Path, then: Callable[[Any], None], names: tuple[str, ...] = ()
          ) -> tuple[set[tuple[int, int]], dict[str, Any]]:
    """The arcs of `path` measured by `core`, and (sysmon) the state of the functions `names`."""
    cov = covcore.Coverage(core=core, branch=True, source=[str(path.parent)],
                           data_file=str(path.parent / f".covcore-{core}"), config_file=False)
    states: dict[str, Any] = {}
    cov.start()
    try:
        module = _import(path)
        then(module)
        if core == "sysmon":
            tracer = cov._collector.tracers[0]  # type: ignore[union-attr]
            for name in names:
                code = getattr(module, name).__code__
                ambiguous = tracer._line_events(code) == "INSTRUCTION, ambiguous"
                states[name] = AMBIGUOUS if ambiguous else tracer._flow_state(code)
            assert tracer._misfits == 0
    finally:
        cov.stop()
    return set(cov.get_data().arcs(str(path)) or []), states


def _arcs_by_context(cov: covcore.Coverage, path: Path) -> dict[str, set[tuple[int, int]]]:
    """The arcs of `path` that `cov` recorded, per context."""
    data = cov.get_data()
    out = {}
    for context in data.measured_contexts():
        data.set_query_contexts([context])
        out[context] = set(data.arcs(str(path)) or [])
    return out


def _same_as_ctrace(path: Path, then: Callable[[Any], None] = lambda m: None,
                    off: tuple[str, ...] = (), tracked: tuple[str, ...] = ()) -> set[tuple[int, int]]:
    expected, _ = _arcs("ctrace", path, then)
    got, states = _arcs("sysmon", path, then, off + tracked)
    assert (sorted(got - expected), sorted(expected - got)) == ([], []), "(extra, missing)"
    for name in off:
        assert states[name] in (OFF, AMBIGUOUS), name
    for name in tracked:
        assert states[name] != OFF, name
    return got


def test_exceptions_leave_switched_off_code_from_new_lines(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def f(x, items):
            total = 0
            for item in items:
                total += 10 // item
            if x > 0:
                total += 1
            else:
                total -= 1
            return total + 1 // x

        for i in range(50):
            f(i % 2 * 2 - 1, [1, 2])
            f(1, [])
        """)

    def then(mod: Any) -> None:
        assert mod.f(1, [1]) == 12
        for args in [(1, [1, 0]), (0, [1])]:
            try:
                mod.f(*args)
            except ZeroDivisionError:
                pass

    arcs = _same_as_ctrace(path, then, off=("f",))
    assert {(4, -1), (9, -1)} <= arcs


def test_the_first_run_switches_off_in_the_middle_of_a_loop(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def run(n):
            total = 0
            i = 0
            while i < n:
                if i % 3:
                    total += i
                else:
                    total -= 1
                i += 1
            else:
                total += 100
            return total

        def stop_early(n):
            for i in range(n):
                if i == 5:
                    break
            else:
                return -1
            return i
        """)

    def then(mod: Any) -> None:
        mod.run(0)
        mod.run(1000)
        mod.stop_early(3)
        mod.stop_early(1000)
        mod.stop_early(1000)

    _same_as_ctrace(path, then, off=("run", "stop_early"))


def test_rare_branches_into_lines_whose_events_are_off(make_file: Any) -> None:
    """Lines reached from one line only stop reporting at once; a branch
    taken late still gets its arcs, and the line it joins reads the right
    previous line."""
    path = make_file("mod.py", """\
        def classify(values):
            out = []
            for v in values:
                if v > 100:
                    out.append("big")
                elif v > 0:
                    out.append("pos")
                else:
                    out.append("neg")
                out.append(",")
            return out

        def straight(a):
            b = a + 1
            c = b * 2
            d = c - a
            return d
        """)

    def then(mod: Any) -> None:
        for _ in range(20):
            mod.classify([1, 2, 3])
            mod.straight(1)
        mod.classify([5, 500, 5, -5, 5])
        mod.classify([])
        try:
            mod.straight("x")
        except TypeError:
            pass

    arcs = _same_as_ctrace(path, then, off=("straight", "classify"))
    assert {(4, 5), (5, 10), (6, 9), (9, 10), (3, 11), (14, -13)} <= arcs


def test_code_without_joins_is_untracked_before_it_is_complete(make_file: Any) -> None:
    """No line of `find` is reached from two lines: its frames need no
    tracking even while an arc (the raise) is missing, and a frame that
    raises from any line still gets its exit arc."""
    path = make_file("mod.py", """\
        def find(table, i):
            t = table[i]
            if t is None:
                raise KeyError(i)
            return t

        def twice(table):
            return find(table, 0) + find(table, 1)
        """)

    def then(mod: Any) -> None:
        for _ in range(20):
            mod.twice([1, 2])
        for bad in ([1], [None, 1]):
            try:
                mod.twice(bad)
            except (IndexError, KeyError):
                pass

    arcs = _same_as_ctrace(path, then, off=("find",))
    assert {(2, -1), (4, -1), (8, -7)} <= arcs


def test_nested_loops_read_the_last_written_line(make_file: Any) -> None:
    """Readers (loop headers, joins) tell their arcs apart from the last line
    that wrote, not the previous line: paths taken late must decode right."""
    path = make_file("mod.py", """\
        def grid(rows, cols, skip):
            total = 0
            for r in range(rows):
                for c in range(cols):
                    if c == skip:
                        continue
                    if c > 5:
                        break
                    total += c
                for c in range(cols):
                    total -= 1
                else:
                    total += 1
            while total > 100:
                total //= 2
            return total
        """)

    def then(mod: Any) -> None:
        for _ in range(10):
            mod.grid(3, 3, 1)
        mod.grid(0, 3, 1)
        mod.grid(2, 0, 1)
        mod.grid(2, 9, 7)
        mod.grid(40, 9, -1)

    _same_as_ctrace(path, then, off=("grid",))


def test_long_functions_use_the_simple_writer_rule(make_file: Any) -> None:
    """Past a few hundred lines, every line before a reader writes."""
    body = "".join(f"        if x % {k % 7 + 2}:\n            a += {k}\n        else:\n            a -= 1\n"
                   for k in range(120))
    path = make_file("mod.py", "def long(n):\n    a = 0\n    for x in range(n):\n" + body + "    return a\n")

    def then(mod: Any) -> None:
        mod.long(3)
        mod.long(0)
        mod.long(30)

    _same_as_ctrace(path, then, off=("long",))


def test_one_line_loops_and_match(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def count(n):
            while n: n -= 1
            return n

        def kind(v):
            match v:
                case 0:
                    return "zero"
                case [a, b]:
                    return "pair"
                case {"k": k} if k > 1:
                    return "big"
                case _:
                    return "other"
        """)

    def then(mod: Any) -> None:
        for v in [0, [1, 2], {"k": 2}, {"k": 0}, "x"] * 5:
            mod.kind(v)
        mod.count(0)
        mod.count(20)
        mod.count(3)

    _same_as_ctrace(path, then, off=("count",))


def test_exceptions_caught_in_loops_and_finally(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def parse(s):
            if not s:
                raise ValueError("empty")
            return int(s)

        def total(items):
            out = 0
            for s in items:
                try:
                    out += parse(s)
                except ValueError:
                    out -= 1
                finally:
                    out *= 2
            return out

        def squares(n):
            return [i * i for i in range(n) if i % 2]
        """)

    def then(mod: Any) -> None:
        for _ in range(20):
            mod.total(["1", "2", ""])
            mod.squares(5)
        mod.total(["1", "x"] * 3)
        mod.squares(0)

    _same_as_ctrace(path, then, off=("parse",), tracked=("total",))


def test_generators_call_switched_off_code(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def check(v):
            if v < 0:
                raise ValueError(v)
            return v * 2

        def gen(values):
            for v in values:
                try:
                    yield check(v)
                except ValueError:
                    yield None

        def drain(values):
            return list(gen(values))
        """)

    def then(mod: Any) -> None:
        for _ in range(20):
            mod.drain([1, 2, -1])
        g = mod.gen([1, 2, 3])
        next(g)
        g.close()
        g = mod.gen([1, 2])
        next(g)
        try:
            g.throw(KeyError("k"))
        except KeyError:
            pass

    # gen's try is in the model too: once its handler ran, every arc is recorded.
    _same_as_ctrace(path, then, off=("check", "drain", "gen"))


def test_recursion_switches_off_below_running_frames(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def depth(n, fail_at):
            if n == fail_at:
                raise RecursionError("at")
            if n == 0:
                return 0
            return 1 + depth(n - 1, fail_at)
        """)

    def then(mod: Any) -> None:
        mod.depth(30, -1)
        try:
            mod.depth(30, 0)
        except RecursionError:
            pass

    arcs = _same_as_ctrace(path, then, off=("depth",))
    assert (6, -1) in arcs and (3, -1) in arcs


def test_threads_running_the_code_when_it_switches_off(make_file: Any) -> None:
    path = make_file("mod.py", """\
        import threading

        def work(n, fail):
            total = 0
            for i in range(n):
                if i % 2:
                    total += i
                else:
                    total -= i
            if fail:
                raise ValueError(total)
            return total

        def in_threads():
            def target(fail):
                try:
                    work(20000, fail)
                except ValueError:
                    pass
            threads = [threading.Thread(target=target, args=(i % 2,)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        """)

    def then(mod: Any) -> None:
        mod.in_threads()

    _same_as_ctrace(path, then, off=("work",))


def test_running_at_start_stays_tracked(make_file: Any) -> None:
    """A frame running at start() records nothing, even when it raises later."""
    path = make_file("mod.py", """\
        def helper(x):
            if x:
                return 1
            return 0

        def outer(start, stop):
            start()
            for i in range(10):
                helper(i % 2)
            stop()
            raise KeyError("out")
        """)
    module = _import(path)
    for core in ("ctrace", "sysmon"):
        cov = covcore.Coverage(core=core, branch=True, source=[str(path.parent)],
                               data_file=str(path.parent / f".covcore-{core}"), config_file=False)
        with pytest.raises(KeyError):
            module.outer(cov.start, cov.get_data)
        cov.stop()
        arcs = set(cov.get_data().arcs(str(path)) or [])
        assert (11, -6) not in arcs
        assert {(-1, 2), (2, 3), (2, 4), (3, -1), (4, -1)} <= arcs


def test_restart_events_measures_switched_off_code_again(make_file: Any) -> None:
    path = make_file("mod.py", """\
        def sign(x):
            if x > 0:
                return 1
            return -1
        """)
    module = _import(path)
    cov = covcore.Coverage(core="sysmon", branch=True, source=[str(path.parent)],
                           data_file=str(path.parent / ".covcore"), config_file=False)
    cov.start()
    try:
        for i in range(10):
            module.sign(i % 2)
        tracer = cov._collector.tracers[0]  # type: ignore[union-attr]
        assert tracer._flow_state(module.sign.__code__) == OFF
        first = set(cov.get_data().arcs(str(path)) or [])
        cov.switch_context("again")     # clears the collected data, restarts events
        module.sign(1)
    finally:
        cov.stop()
    data = cov.get_data()
    data.set_query_contexts(["again"])
    assert first == {(-1, 2), (2, 3), (2, 4), (3, -1), (4, -1)}
    assert set(data.arcs(str(path)) or []) == {(-1, 2), (2, 3), (3, -1)}


def test_the_model_covers_what_settrace_records(make_file: Any) -> None:
    """Every arc settrace records inside a code object is one of its flow's
    arcs, or an exception leaving it."""
    path = make_file("mod.py", """\
        def f(a, b):
            x = (a
                 if b
                 else 3)
            while a > 0:
                a -= 1
                if a == b: break
            else:
                x += 1
            return x if x else -x
        """)
    module = _import(path)
    code = module.f.__code__
    seen: set[tuple[int, int]] = set()
    last: list[int] = []

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is not code:
            return None
        if event == "call":
            last.append(-code.co_firstlineno)
        elif event == "line":
            seen.add((last[-1], frame.f_lineno))
            last[-1] = frame.f_lineno
        elif event == "return":
            seen.add((last.pop(), -code.co_firstlineno))
        return trace

    sys.settrace(trace)
    try:
        for a, b in [(0, 0), (3, 1), (3, 7), (2, 0), (0, 5)]:
            module.f(a, b)
    finally:
        sys.settrace(None)
    flow = cores._ctracer.SysMon()._flow_arcs(code)
    assert flow is not None and seen <= flow
    # In the model: generators, comprehensions, try, with, yield from, await.
    sysmon = cores._ctracer.SysMon()

    def with_try() -> int:
        try:
            return 1
        except ValueError:
            return 2

    def delegating() -> Any:
        yield from [1]

    async def awaiting() -> None:
        await awaiting()

    modelled = [with_try, lambda: (yield), lambda xs: [x for x in xs]]
    if sys.version_info[:2] != (3, 13):
        modelled += [delegating, awaiting]     # 3.13: see test_yield_from_and_await_with_throw_and_close
    for function in modelled:
        assert sysmon._flow_arcs(function.__code__) is not None, function

    # Outside it: async generators and async for.
    async def agen() -> Any:
        yield 1

    async def aloop() -> None:
        async for _ in agen():
            pass

    for function in (agen, aloop):
        assert sysmon._flow_arcs(function.__code__) is None, function


def test_opcode_table_agrees_with_the_interpreter() -> None:
    """The branch model's opcode table (ctracer/flowops.c) is compiled from
    CPython's headers for one bytecode family: its jumps, returns and
    instructions are those the running interpreter's opcode module names.
    """
    import opcode

    table = cores._ctracer._flow_table()
    assert table["family"] == sys.version_info[0] * 100 + sys.version_info[1]
    assert table["cache"] == opcode.opmap["CACHE"]
    kinds = {opcode.opname[op]: set(bits) for op, bits in table["kinds"].items()}
    assert all(not name.startswith("<") for name in kinds), kinds
    # Instrumented opcodes (3.14 lists some among the jumps) are outside the model.
    first_instrumented = min(op for name, op in opcode.opmap.items() if name.startswith("INSTRUMENTED_"))
    jumps = {opcode.opname[op] for op in opcode.hasjrel if op < first_instrumented}
    assert {name for name, bits in kinds.items() if "JUMP" in bits} == jumps
    assert {name for name, bits in kinds.items() if "BACKWARD" in bits} == {n for n in jumps if "BACKWARD" in n}
    # Conditional jumps: 3.14 reports each direction (after NOT_TAKEN when not taken).
    assert {name for name, bits in kinds.items() if "COND" in bits} == {n for n in jumps if n.startswith("POP_JUMP_IF_")}
    assert table["not_taken"] == (opcode.opmap["NOT_TAKEN"] if sys.version_info >= (3, 14) else -1)
    # A jump without an instrumented twin never sends a JUMP event.
    assert {name for name, bits in kinds.items() if "NO_JUMP_EVENT" in bits} == {
        n for n in jumps if "BACKWARD" in n and "INSTRUMENTED_" + n not in opcode.opmap}
    returns = {"RETURN_VALUE", "RETURN_CONST"} & set(opcode.opmap)
    assert {name for name, bits in kinds.items() if "RETURN" in bits} == returns
    assert all("STOP" in kinds[name] for name in returns | {"RAISE_VARARGS", "RERAISE", "JUMP_FORWARD"})
    assert kinds["FOR_ITER"] == {"JUMP", "FOR_ITER"}
    assert kinds["RESUME"] == {"RESUME"} and kinds["YIELD_VALUE"] == {"YIELD"}
    assert {"RETURN_GENERATOR", "END_ASYNC_FOR"} <= {name for name, bits in kinds.items() if "OUTSIDE" in bits}
    assert table["for_iter_exits"] == (2 if sys.version_info < (3, 13) else 3)
    # 3.14 marks line starts in the bytecode: code after a loop can run silently.
    assert table["line_starts"] == (sys.version_info >= (3, 14))


def _random_block(rng: random.Random, depth: int, indent: int, in_loop: bool) -> list[str]:
    """Statements with random control flow over the locals a, b, c and the argument x."""
    lines: list[str] = []
    kinds = ["stmt", "stmt", "if", "for", "while", "return", "raise", "jump", "try", "comp"] if depth < 3 else ["stmt", "return"]
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(kinds)
        pad = "    " * indent
        v = rng.choice("abc")
        if kind == "if":
            lines.append(f"{pad}if {v} % {rng.randint(2, 5)} == {rng.randint(0, 1)}:")
            lines += _random_block(rng, depth + 1, indent + 1, in_loop)
            shape = rng.random()
            if shape < 0.3:
                lines.append(f"{pad}elif {rng.choice('abc')} > {rng.randint(3, 12)}:")
                lines += _random_block(rng, depth + 1, indent + 1, in_loop)
            if shape < 0.6:
                lines.append(f"{pad}else:")
                lines += _random_block(rng, depth + 1, indent + 1, in_loop)
        elif kind == "for":
            lines.append(f"{pad}for {v} in range({rng.choice(['x % 4', '2', 'b % 3'])}):")
            lines += _random_block(rng, depth + 1, indent + 1, True)
            if rng.random() < 0.3:
                lines.append(f"{pad}else:")
                lines += _random_block(rng, depth + 1, indent + 1, in_loop)
        elif kind == "while":
            lines += [f"{pad}n{depth} = x % 3", f"{pad}while n{depth} > 0:", f"{pad}    n{depth} -= 1"]
            lines += _random_block(rng, depth + 1, indent + 1, True)
        elif kind == "return":
            lines.append(f"{pad}if {v} == {rng.randint(0, 6)}: return {v}")
        elif kind == "raise":
            lines.append(f"{pad}if {v} == {rng.randint(0, 9)}: raise ValueError({v})")
        elif kind == "try":
            lines.append(f"{pad}try:")
            lines += _random_block(rng, depth + 1, indent + 1, in_loop)
            lines.append(f"{pad}except ValueError:")
            lines += _random_block(rng, depth + 1, indent + 1, in_loop)
            if rng.random() < 0.4:
                lines.append(f"{pad}finally:")
                lines.append(f"{pad}    {v} = {v} + 1")
        elif kind == "comp":
            # A comprehension over three lines; its first and last can raise.
            k1, k2 = rng.randint(0, 4), rng.randint(0, 4)
            lines += [f"{pad}{v} = len([int(str(q) if q != {k1} else 'z')",
                      f"{pad}         for q in range(x % 5)",
                      f"{pad}         if int(str(q) if q != {k2} else 'z') >= 0])"]
        elif kind == "jump" and in_loop:
            lines.append(f"{pad}if {v} == {rng.randint(0, 5)}: {rng.choice(['break', 'continue'])}")
        else:
            lines.append(f"{pad}{v} = ({v} * 3 + x) % 17")
    return lines


def _random_program(seed: int, functions: int = 6) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(functions):
        out += [f"def f{i}(x):", "    a = x; b = x + 1; c = x * 2"]
        out += _random_block(rng, 0, 1, False)
        out += ["    return a + b + c", ""]
    out += ["def run(inputs):", "    for x in inputs:"]
    for i in range(functions):
        out += ["        try:", f"            f{i}(x)", "        except ValueError:", "            pass"]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("seed", range(30))
def test_random_control_flow_same_as_ctrace(make_file: Any, seed: int) -> None:
    """Many calls first (code goes off, or reads and writes), then rarer inputs."""
    path = make_file(f"fuzz{seed}.py", _random_program(seed))
    rng = random.Random(seed * 7)
    batches = [[rng.randint(0, 12) for _ in range(rng.randint(0, 6))] for _ in range(6)]
    batches.insert(0, batches[0] * 5)

    def then(mod: Any) -> None:
        for inputs in batches:
            mod.run(inputs)

    _same_as_ctrace(path, then)


def test_a_branch_taken_late_in_one_long_running_frame(make_file: Any) -> None:
    """A join whose other arcs are recorded stops reporting while the line
    of its missing arc has never run, and so do the lines that only told it
    apart; the first run of that line, late in the same frame, turns them
    back on and its arcs are still recorded exactly."""
    path = make_file("mod.py", """\
        def schedule(items, rare):
            total = 0
            for i in items:
                if i == rare:
                    total += 100
                if i % 3 == 0:
                    total += 1
                else:
                    total -= 1
                total += i
            return total
        """)

    def then(mod: Any) -> None:
        mod.schedule(range(3000), 2500)
        mod.schedule(range(50), 7)

    arcs = _same_as_ctrace(path, then)
    assert {(4, 5), (5, 6), (7, 10), (9, 10)} <= arcs


def test_a_new_line_reached_below_running_frames_of_the_same_code(make_file: Any) -> None:
    """Recursion: the innermost frame runs a line for the first time while
    the frames above it are in the middle of their loops; they go on exactly."""
    path = make_file("mod.py", """\
        def walk(n, rare_at):
            total = 0
            for i in range(3):
                if n == rare_at and i == 1:
                    total += 100
                total += 1
                if i == 0 and n > 0:
                    total += walk(n - 1, rare_at)
                elif n == rare_at:
                    total -= 1
            return total
        """)

    def then(mod: Any) -> None:
        for _ in range(30):
            mod.walk(5, -1)
        mod.walk(5, 0)
        mod.walk(5, 3)

    arcs = _same_as_ctrace(path, then)
    assert {(4, 5), (5, 6), (9, 10), (10, 3)} <= arcs


def test_a_new_line_reached_in_one_thread_while_another_runs_the_code(make_file: Any) -> None:
    path = make_file("mod.py", """\
        import threading

        def loop(n, rare, pause, resume):
            total = 0
            for i in range(n):
                if i == rare:
                    total += 100
                if i % 2:
                    total += 1
                else:
                    total -= 1
                if i == 500 and pause is not None:
                    pause.set()
                    resume.wait()
            return total

        def race():
            paused, resumed = threading.Event(), threading.Event()
            first = threading.Thread(target=loop, args=(1000, -1, paused, resumed))
            first.start()
            paused.wait()
            loop(10, 3, None, None)
            resumed.set()
            first.join()
        """)

    def then(mod: Any) -> None:
        mod.race()

    arcs = _same_as_ctrace(path, then)
    assert {(6, 7), (7, 8), (13, 14), (14, 5)} <= arcs


def _per_context(core: str, path: Path) -> dict[str, set[tuple[int, int]]]:
    cov = covcore.Coverage(core=core, branch=True, source=[str(path.parent)],
                           data_file=str(path.parent / f".covcore-{core}"), config_file=False)
    cov.start()
    try:
        module = _import(path)
        for _ in range(20):
            module.long(lambda: None, 30)
        module.long(lambda: cov.switch_context("b"), 30)
        cov.switch_context("c")
        module.long(lambda: cov.switch_context("d"), 15)
    finally:
        cov.stop()
    return _arcs_by_context(cov, path)


def test_data_cleared_while_a_frame_runs(make_file: Any) -> None:
    """A new context clears the collected data in the middle of a running
    frame whose lines had stopped reporting (its code is still tracked: a
    join misses an arc): what it does afterwards is recorded in the new
    context, exactly as settrace records it."""
    path = make_file("mod.py", """\
        def long(switch, n):
            t = 0
            for i in range(n):
                if i % 2:
                    t += 1
                else:
                    t -= 1
                if i == 10:
                    switch()
                elif i < 0:
                    t = 0
                t += i
            return t
        """)
    expected = _per_context("ctrace", path)
    got = _per_context("sysmon", path)
    assert set(got) == set(expected)
    for context in expected:
        assert sorted(got[context]) == sorted(expected[context]), context
    assert {(9, 12), (12, 3), (4, 5), (5, 8)} <= got["b"]


def _long_frames_program(seed: int, functions: int = 5) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(functions):
        out += [f"def g{i}(xs):", "    a = b = c = 0", "    for x in xs:",
                "        a = (a + x) % 7; b = x + 1; c = x * 2"]
        out += _random_block(rng, 1, 2, True)
        out += ["    return a + b + c", ""]
    out += ["def run(xs):"]
    for i in range(functions):
        out += ["    try:", f"        g{i}(xs)", "    except ValueError:", "        pass"]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("seed", range(20))
def test_random_long_frames_with_late_rare_inputs(make_file: Any, seed: int) -> None:
    """Each function loops over all its inputs in one frame: common inputs
    first (lines and joins stop reporting), rarer ones late in the same frame."""
    path = make_file(f"long{seed}.py", _long_frames_program(seed))
    rng = random.Random(seed * 11)
    common = [rng.randint(0, 3) for _ in range(300)]
    late = common + [rng.randint(0, 12) if rng.random() < 0.1 else rng.randint(0, 3) for _ in range(300)]

    def then(mod: Any) -> None:
        for _ in range(3):
            mod.run(common)
        mod.run(late)

    _same_as_ctrace(path, then)


def test_generators_with_joins_resume_with_their_last_written_line(make_file: Any) -> None:
    """Many generator frames of one code object are suspended at once, at
    different yields, in different states; each goes on exactly, including
    frames closed at a yield, frames that raise, and frames thrown into."""
    path = make_file("mod.py", """\
        def pairs(items, limit):
            count = 0
            for item in items:
                if item % 3 == 0:
                    yield item, "three"
                elif item % 3 == 1:
                    count += 1
                else:
                    yield item, count
                if item > limit:
                    raise ValueError(item)
            yield None

        def interleave(n, limit):
            gens = [pairs(range(k, k + 9), limit) for k in range(n)]
            out = []
            for _ in range(9):
                for g in gens:
                    out.append(next(g, None))
            return out
        """)

    def then(mod: Any) -> None:
        for _ in range(10):
            mod.interleave(7, 100)
        try:
            mod.interleave(3, 5)
        except ValueError:
            pass
        g = mod.pairs(range(9), 100)
        next(g)
        g.close()
        g = mod.pairs(range(9), 100)
        next(g)
        try:
            g.throw(KeyError("k"))
        except KeyError:
            pass

    arcs = _same_as_ctrace(path, then)
    assert {(5, 10), (9, 10), (7, 10), (11, -1), (12, -1)} <= arcs


def test_generators_suspended_while_their_code_changes_state(make_file: Any) -> None:
    """A generator suspended while a frame of its code elsewhere runs a new
    line (every frame becomes exact), and one suspended across a new context."""
    path = make_file("mod.py", """\
        def gen(n, rare):
            for i in range(n):
                if i == rare:
                    i = -i
                if i % 2:
                    yield i
                else:
                    yield -i
            return n
        """)

    def then(mod: Any) -> None:
        for _ in range(20):
            list(mod.gen(6, -1))
        waiting = mod.gen(10, -1)
        next(waiting)
        list(mod.gen(6, 3))
        list(waiting)

    _same_as_ctrace(path, then)

    def contexts(core: str) -> dict[str, set[tuple[int, int]]]:
        cov = covcore.Coverage(core=core, branch=True, source=[str(path.parent)],
                               data_file=str(path.parent / f".covcore-{core}"), config_file=False)
        cov.start()
        try:
            module = _import(path)
            for _ in range(20):
                list(module.gen(6, -1))
            waiting = module.gen(10, 7)
            next(waiting)
            cov.switch_context("b")
            list(waiting)
        finally:
            cov.stop()
        return _arcs_by_context(cov, path)

    assert contexts("sysmon") == contexts("ctrace")


def test_comprehensions_that_raise_report_their_line_again(make_file: Any) -> None:
    """An inlined comprehension (3.12+) has a cleanup handler: an exception
    in it reports its line again, (line, line), once per location."""
    path = make_file("mod.py", """\
        def invert(xs):
            total = 0
            values = [10 // x for x in xs]
            if values:
                total = sum(values)
            return total, {x: 1 // x for x in xs if x > 5}

        def firsts(rows):
            return [row[0] for row in rows], (row for row in rows)
        """)

    def then(mod: Any) -> None:
        for _ in range(10):
            mod.invert([1, 2, 7])
            mod.firsts([[1], [2]])
        for bad in ([0], [3, 0], []):
            try:
                mod.invert(bad)
            except ZeroDivisionError:
                pass
        try:
            mod.firsts([[1], []])
        except IndexError:
            pass

    arcs = _same_as_ctrace(path, then, off=())
    assert {(3, 3), (3, -1), (9, 9), (9, -8)} <= arcs


def test_comprehensions_over_lines_report_the_line_that_raised(make_file: Any) -> None:
    """A comprehension spread over lines: its cleanup handler's line event
    comes from whichever line raised, first one, later another, in one
    long-running frame and in many short ones."""
    path = make_file("mod.py", """\
        def check(q, bad):
            if q == bad:
                raise ValueError(q)
            return q

        def spread(rows, bad_item, bad_cond):
            total = 0
            for row in rows:
                try:
                    total += len([check(q, bad_item)
                                  for q in row
                                  if check(q, bad_cond) >= 0])
                except ValueError:
                    total -= 1
            return total

        def nested(rows, bad):
            return [[check(q, bad)
                     for q in row]
                    for row in rows]
        """)
    code_is_modelled = {}

    def then(mod: Any) -> None:
        sysmon = cores._ctracer.SysMon()
        code_is_modelled.update({name: sysmon._flow_arcs(getattr(mod, name).__code__) is not None
                                 for name in ("spread", "nested")})
        rows = [[1, 2, 3]] * 50
        mod.spread(rows + [[7]] + rows, 7, -1)        # the element line raises, late in one frame
        mod.spread(rows + [[8]] + rows, -1, 8)        # then the condition's line
        for _ in range(20):
            mod.spread([[1, 2]], -1, -1)
            mod.nested([[1], [2]], -1)
        for bad in (2, 1):
            try:
                mod.nested([[1], [2]], bad)
            except ValueError:
                pass

    arcs = _same_as_ctrace(path, then)
    assert code_is_modelled == {"spread": True, "nested": True}
    assert {(10, 10), (12, 10), (10, 13)} <= arcs


def test_handlers_around_hot_code_tell_their_arc_from_the_raising_line(make_file: Any) -> None:
    """An except or finally handler is entered from whichever line raised:
    the frame tells it when the handler runs, so the hot lines of the try
    body need not keep reporting.  Exceptions come late, from several
    lines, directly and from callees, in one frame and in many."""
    path = make_file("mod.py", """\
        def check(v, bad):
            if v == bad:
                raise KeyError(v)
            return v

        def colour(items, bad, state):
            state["depth"] += 1
            try:
                seen = [check(v, bad)
                        for v in items]
                total = sum(seen)
                if total == bad:
                    raise KeyError(total)
                return total
            finally:
                state["depth"] -= 1

        def scan(rows, bad):
            found = 0
            for row in rows:
                try:
                    found += colour(row, bad, {"depth": 0})
                    found += check(len(row), bad)
                except KeyError as exc:
                    found -= 1
                    if exc.args[0] == 99:
                        break
            return found
        """)

    def then(mod: Any) -> None:
        rows = [[1, 2], [3]] * 100
        mod.scan(rows, -1)
        mod.scan(rows + [[7, 8]] + rows, 8)      # from the comprehension's first line, via colour
        mod.scan(rows + [[5, 5]] + rows, 10)     # from `raise` in colour's body
        mod.scan(rows + [[1, 1, 5]], 3)          # from check() in scan's body
        mod.scan([[99]], 99)

    arcs = _same_as_ctrace(path, then)
    assert {(9, 16), (13, 16), (23, 24), (22, 24), (26, 27)} <= arcs


def _random_generator_program(seed: int, functions: int = 5) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(functions):
        out += [f"def g{i}(xs):", "    a = b = c = 0", "    for x in xs:",
                "        a = (a + x) % 7; b = x + 1; c = x * 2"]
        body = _random_block(rng, 1, 2, True)
        # Some statements become yields.
        body = [line.replace(f"{line.strip()}", f"yield {line.strip().split(' = ')[0]}")
                if " = (" in line and rng.random() < 0.5 else line for line in body]
        out += body + ["        yield [a + b for _ in range(x % 3)]", "    return a + b + c", ""]
    out += ["def run(xs, take):"]
    for i in range(functions):
        out += ["    try:", f"        it = g{i}(xs)", "        for _ in range(take):", "            next(it)",
                "    except (ValueError, StopIteration):", "        pass"]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("seed", range(20))
def test_random_generators_same_as_ctrace(make_file: Any, seed: int) -> None:
    """Generators with random control flow, run to the end or left suspended."""
    path = make_file(f"gen{seed}.py", _random_generator_program(seed))
    rng = random.Random(seed * 13)
    common = [rng.randint(0, 3) for _ in range(40)]
    late = common + [rng.randint(0, 12) for _ in range(40)]

    def then(mod: Any) -> None:
        for take in (3, 100, 1000):
            mod.run(common, take)
        mod.run(late, 1000)
        mod.run(late, 7)

    _same_as_ctrace(path, then)


def test_try_except_finally_and_with_in_long_frames(make_file: Any) -> None:
    """Exceptions raised from different lines of a try body, late in a
    long-running frame, reach their handlers with exact arcs; with blocks
    exit normally and by exception."""
    path = make_file("mod.py", """\
        import contextlib

        @contextlib.contextmanager
        def guard(log):
            log.append("in")
            try:
                yield
            finally:
                log.append("out")

        def work(items, log):
            total = 0
            for i in items:
                try:
                    a = 10 // (i % 7)
                    b = [1][i % 5]
                    total += a + b
                except ZeroDivisionError:
                    total -= 1
                except IndexError:
                    total -= 2
                finally:
                    total += 1
                with guard(log):
                    if i == 99:
                        raise KeyError(i)
                    total += 1
            return total
        """)

    def then(mod: Any) -> None:
        log: list[str] = []
        mod.work([1, 2, 3, 4, 6] * 20, log)
        mod.work(list(range(1, 98)), log)
        try:
            mod.work([1, 0, 5, 99], log)
        except KeyError:
            pass

    arcs = _same_as_ctrace(path, then)
    # 3.14: the with's exit handler puts back the instruction that raised,
    # and settrace sees its line at the return event, as coverage.py records.
    leaving = {(24, -11)} if sys.version_info < (3, 14) else {(24, 26), (26, -11)}
    assert {(15, 18), (16, 18), (18, 20), (26, 24)} | leaving <= arcs
    assert cores._ctracer.SysMon()._flow_arcs(_import(path).work.__code__) is not None


def test_yield_from_and_await_with_throw_and_close(make_file: Any) -> None:
    path = make_file("mod.py", """\
        import asyncio

        def inner(n):
            for i in range(n):
                got = yield i
                if got:
                    return got
            return -1

        def outer(n):
            result = yield from inner(n)
            if result == -1:
                yield "done"
            else:
                yield result

        async def fib(n):
            if n <= 1:
                return n
            return await fib(n - 1) + await fib(n - 2)

        async def failing(n):
            if n == 0:
                raise ValueError(n)
            try:
                return await failing(n - 1)
            except ValueError:
                return n
        """)

    def then(mod: Any) -> None:
        for _ in range(10):
            list(mod.outer(3))
            mod.asyncio.run(mod.fib(6))
        g = mod.outer(5)
        next(g)
        g.send("x")
        g = mod.outer(5)
        next(g)
        g.close()
        g = mod.outer(5)
        next(g)
        try:
            g.throw(KeyError("k"))
        except KeyError:
            pass
        mod.asyncio.run(mod.failing(3))

    arcs = _same_as_ctrace(path, then)
    assert {(11, 12), (12, 15), (6, 7), (25, 26), (26, 27)} <= arcs
    module = _import(path)
    # 3.13 leaves code with a handler on the line of a yield (yield from,
    # await) to the exact path.
    modelled = (module.inner,) if sys.version_info[:2] == (3, 13) else (module.inner, module.outer, module.fib, module.failing)
    for function in modelled:
        assert cores._ctracer.SysMon()._flow_arcs(function.__code__) is not None, function


def test_a_function_spanning_450000_lines_is_measured_without_a_big_allocation(tmp_path: Path) -> None:
    # The writer choice's bit sets take (lines + 1)^2 bits; code that long
    # takes the simple rule, decided before anything is allocated.  Under a
    # 2 GiB address-space limit, so that a regression is a quick MemoryError
    # (under AddressSanitizer, which reserves terabytes of address space for
    # its shadow memory, a 2 GiB limit on each allocation instead).
    import os
    import resource
    import subprocess

    blank = "\n" * 450_000
    prog = tmp_path / "wide.py"
    prog.write_text(
        f'def f(a):\n    if a:\n        a += 1\n    s = """{blank}"""\n    return a\n\nprint(f(1), f(0))\n'
    )

    env = dict(os.environ)
    under_asan = "libasan" in env.get("LD_PRELOAD", "")
    if under_asan:
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":max_allocation_size_mb=2048:allocator_may_return_null=1"

    def limit() -> None:
        if not under_asan:
            resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    result = subprocess.run(
        [sys.executable, "-m", "covcore", "run", "--core", "sysmon", "--branch", str(prog)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, preexec_fn=limit,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2 0\n"
    data = covcore.CoverageData(str(tmp_path / ".covcore"))
    data.read()
    ret, call = 450_005, 450_007
    assert set(data.arcs(str(prog)) or []) == {
        (-1, 1), (1, call), (call, -1), (-1, 2), (2, 3), (3, 4), (2, 4), (4, ret), (ret, -1),
    }

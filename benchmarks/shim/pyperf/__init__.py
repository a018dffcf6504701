"""A stand-in for pyperf, so a pyperformance benchmark runs once, in-process.

The benchmark harness puts this directory first on PYTHONPATH and runs a
pyperformance ``run_benchmark.py`` as the main program.  Its ``Runner`` does
not spawn worker processes or calibrate: ``bench_func`` calls the benchmark
function ``COVBENCH_LOOPS`` times, ``bench_time_func`` passes that number as
its ``loops`` argument.  So the measured code is the benchmark file itself,
run the same way under every tool.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any, Callable

perf_counter = time.perf_counter

__version__ = "0.0-covbench-shim"


def _loops() -> int:
    return max(1, int(os.environ.get("COVBENCH_LOOPS", "1")))


class Runner:
    """Just enough of pyperf.Runner for pyperformance's benchmarks."""

    def __init__(self, *args: Any, add_cmdline_args: Any = None, **kwargs: Any) -> None:
        self.metadata: dict[str, Any] = {}
        self.argparser = argparse.ArgumentParser()
        self.args: Any = None

    def parse_args(self, args: Any = None) -> Any:
        if self.args is None:
            self.args, _ = self.argparser.parse_known_args([])
        return self.args

    def bench_func(self, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.parse_args()
        for _ in range(_loops()):
            func(*args)

    def bench_time_func(self, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.parse_args()
        func(_loops(), *args)

    def bench_async_func(self, name: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        import asyncio
        self.parse_args()
        for _ in range(_loops()):
            asyncio.run(func(*args))

    def bench_command(self, name: str, command: Any) -> None:
        raise NotImplementedError("covbench runs benchmarks in-process only")

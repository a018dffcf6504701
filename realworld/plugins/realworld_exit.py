"""A pytest plugin for realworld/compare.py: stop idle thread-pool workers at the end.

asgiref's suite leaves ThreadPoolExecutor workers idle when it ends.  Python
stops them at exit (concurrent.futures registers a threading-atexit hook);
`covcore run` before commit 47e125a joined the program's non-daemon threads
before that hook ran, and waited for them forever.  Running the hook when
pytest finishes, under both tools alike, lets older covcore commits
(``--covcore-ref``) be measured too.
"""

import concurrent.futures.thread


def pytest_unconfigure() -> None:
    """Tell idle pool workers to exit, as the interpreter would at exit."""
    concurrent.futures.thread._python_exit()  # noqa: SLF001

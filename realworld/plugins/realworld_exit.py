"""A pytest plugin for realworld/compare.py: stop idle thread-pool workers at the end.

asgiref's suite leaves ThreadPoolExecutor workers idle when it ends.  Python
stops them at exit (concurrent.futures registers a threading-atexit hook), but
`covcore run` joins the program's non-daemon threads before that hook runs, so
it would wait for them forever.  Until covcore handles that, the hook is run
when pytest finishes, under both tools alike.
"""

import concurrent.futures.thread


def pytest_unconfigure() -> None:
    """Tell idle pool workers to exit, as the interpreter would at exit."""
    concurrent.futures.thread._python_exit()  # noqa: SLF001

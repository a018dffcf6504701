"""covcore: code coverage measurement for Python.

``cov = covcore.Coverage(branch=True); cov.start(); ...; cov.stop();
cov.save(); cov.report(show_missing=True)``.

(PYTEST_DONT_REWRITE: covcore is a pytest plugin, see covcore.pytest_plugin,
and is often imported before pytest starts, by ``covcore run -m pytest``.)
"""

from covcore.control import Coverage
from covcore.data import CoverageData
from covcore.exceptions import CovcoreError
from covcore.version import __version__

__all__ = ["Coverage", "CoverageData", "CovcoreError", "__version__"]

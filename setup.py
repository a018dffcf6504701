"""Build script: the C extension covcore._ctracer, with a pure-Python fallback.

Environment switches:
  COVCORE_NO_EXTENSION=1       do not build the extension (pure-Python install)
  COVCORE_REQUIRE_EXTENSION=1  a failed compile is fatal (default: fall back with a banner)
"""

import glob
import os
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

# Every .c in ctracer/ is one unit of the extension; the headers are its
# dependencies (docs/architecture.md maps the files).
C_SOURCES = sorted(glob.glob("ctracer/*.c", root_dir=os.path.dirname(os.path.abspath(__file__))))
C_HEADERS = sorted(glob.glob("ctracer/*.h", root_dir=os.path.dirname(os.path.abspath(__file__))))

BANNER = """
**********************************************************************
WARNING: covcore's C extension (covcore._ctracer) could not be built:
  {error}
covcore is installed without it and will use the pure-Python tracer,
which is much slower. Install a C compiler and the Python headers
(e.g. apt-get install gcc python3-dev) and reinstall to get it, or set
COVCORE_REQUIRE_EXTENSION=1 to make this failure fatal.
**********************************************************************
"""


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class OptionalBuildExt(build_ext):
    """Build the extension; on failure, fall back unless the extension is required."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler failure
            self._failed(exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        if _flag("COVCORE_REQUIRE_EXTENSION"):
            raise
        sys.stderr.write(BANNER.format(error=exc))


# Started by Python at every start-up from site-packages: it measures a process
# that a measured one exec'd (or, when asked, started), and costs one
# environment lookup otherwise.  See coverage_core/process.py.
PTH_FILE = "covcore.pth"


class BuildPyWithPth(build_py):
    """Put covcore.pth at the top of the build, so that the wheel installs it in site-packages."""

    def run(self) -> None:
        super().run()
        self.copy_file(PTH_FILE, os.path.join(self.build_lib, PTH_FILE))

    def get_outputs(self, include_bytecode: bool = True) -> list:
        return super().get_outputs(include_bytecode) + [os.path.join(self.build_lib, PTH_FILE)]


# A free-threaded Python (no GIL) gets no extension: the C cores share their
# state between threads without locks (ctracer/util.h).
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
if FREE_THREADED:
    message = "covcore: this Python is free-threaded; the C cores need the GIL, so only the Python core is installed"
    if _flag("COVCORE_REQUIRE_EXTENSION"):
        sys.exit(message)
    sys.stderr.write(message + "\n")

ext_modules = []
if not _flag("COVCORE_NO_EXTENSION") and not FREE_THREADED:
    ext_modules.append(
        Extension(
            "covcore._ctracer",
            sources=C_SOURCES,
            depends=C_HEADERS,
            extra_compile_args=["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
            + (["-Werror", "-O0", "-g"] if _flag("COVCORE_DEBUG_BUILD") else []),
            define_macros=[("COVCORE_STATS", "1")] if _flag("COVCORE_STATS") else [],
        )
    )

setup(ext_modules=ext_modules, cmdclass={"build_ext": OptionalBuildExt, "build_py": BuildPyWithPth})

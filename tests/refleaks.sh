#!/usr/bin/env bash
# Reference and memory leaks of the tracer cores on a debug build of Python
# (`make refleaks`, which runs this in the sid chroot with python3.14d).
#
#   tests/refleaks.sh PYTHON [harness args]
#
# A debug Python has its own ABI (python3.14d loads *.cpython-314d-*.so), so
# the extension is built for it into a venv of its own, .venv-X.Yd, with
# pytest only (the test extras have no wheels for that ABI).  Then
# tests/test_refleaks.py checks every core on a short loop, and the harness
# (benchmarks/refleaks.py) prints the figures of the long one.
set -euo pipefail

python=${1:?usage: tests/refleaks.sh PYTHON [harness args]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
say() { echo "[refleaks] $*" >&2; }

command -v "$python" >/dev/null || {
    say "$python is missing: a debug build of Python is needed (in the sid chroot: apt-get install python3.14-dbg)"
    exit 1
}
"$python" -c 'import sys; sys.gettotalrefcount' 2>/dev/null || {
    say "$python is not a debug build (no sys.gettotalrefcount)"; exit 1;
}
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
venv=.venv-${version}d
stamp=$venv/.installed-refleaks
if [ ! -e "$stamp" ] || [ -n "$(find ctracer setup.py pyproject.toml coverage_core -newer "$stamp" -print -quit)" ]; then
    say "building covcore into $venv"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip pytest
    COVCORE_REQUIRE_EXTENSION=1 "$venv/bin/python" -m pip install -q .
    touch "$stamp"
fi
"$venv/bin/python" -m pytest -p no:cacheprovider -q tests/test_refleaks.py
"$venv/bin/python" -m benchmarks.refleaks "$@"

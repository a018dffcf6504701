#!/usr/bin/env bash
# Run covcore's C extension under a memory checker: `make sanitize`, `make valgrind`.
#
#   tests/sanitize.sh asan PYTHON [pytest args]      AddressSanitizer + UndefinedBehaviorSanitizer
#   tests/sanitize.sh valgrind PYTHON [pytest args]  valgrind memcheck
#
# Each mode builds the extension into a venv of its own (.venv-asan-X.Y,
# .venv-valgrind-X.Y), so the normal build is untouched, and rebuilds it when
# a C file changes.  Every report goes to a log file under build/<mode>/X.Y-logs/,
# one per process: the subprocesses the tests start (covcore run, the
# differential programs) inherit the environment, so they load the same
# instrumented extension and write their reports there too.  The run fails on
# a failed test or on any report.
#
# ASan: CPython is not instrumented, so the ASan runtime is preloaded
# (LD_PRELOAD) into every Python started; PYTHONMALLOC=malloc sends CPython's
# small objects to malloc too, so ASan sees the extension's PyMem_Malloc
# blocks; detect_leaks=0 because CPython leaves memory allocated at exit.
#
# valgrind: too slow for the whole suites, so a sample of their in-process
# tests (test_tracer.py, test_trouble_inprocess.py, test_sysmon_flow.py;
# other tests as arguments); pytest itself runs under memcheck, the
# processes it starts do not.  PYTHONMALLOC=malloc again, which makes
# CPython's suppressions file (Misc/valgrind-python.supp: pymalloc's reads
# of memory it does not own) unnecessary: no error is left to suppress.
# Every memory error fails the run.  Leaks are make refleaks' business:
# memcheck's exit report counts covcore's per-code records (co_extra) as
# "definitely lost", but only through CPython's finalization: the same
# program ended by os._exit loses none.
set -euo pipefail

mode=${1:?usage: tests/sanitize.sh asan|valgrind PYTHON [pytest args]}
python=${2:?usage: tests/sanitize.sh asan|valgrind PYTHON [pytest args]}
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
say() { echo "[$mode] $*" >&2; }

version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
venv=.venv-$mode-$version
logs=build/$mode/$version-logs
case "$mode" in
    asan)
        cflags="-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1"
        ldflags="-fsanitize=address,undefined"
        default_tests="tests/test_tracer.py tests/test_differential.py tests/test_branch_differential.py
            tests/test_sysmon_flow.py tests/test_trouble_hooks_switch.py tests/test_trouble_inprocess.py
            tests/test_transparency.py tests/test_transparency_debuggers.py"
        ;;
    valgrind)
        command -v valgrind >/dev/null || { say "valgrind is not installed (apt-get install valgrind)"; exit 1; }
        cflags="-g -O1 -fno-omit-frame-pointer"
        ldflags=""
        default_tests="tests/test_tracer.py tests/test_trouble_inprocess.py tests/test_sysmon_flow.py"
        ;;
    *) say "unknown mode $mode (asan or valgrind)"; exit 2 ;;
esac

# 1. The instrumented build, in its own venv; again when a C file or the build changed.
stamp=$venv/.installed-$mode
if [ ! -e "$stamp" ] || [ -n "$(find ctracer setup.py pyproject.toml coverage_core -newer "$stamp" -print -quit)" ]; then
    say "building the extension into $venv ($cflags)"
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    # hunter for test_transparency.py, outside site-packages (see the Makefile).
    "$venv/bin/python" -m pip install -q --upgrade --target "$venv/isolated-tools" "hunter>=3.9"
    # covcore with its test extras as usual, then the extension built again
    # with the flags, in a build directory of its own (a build in ./build
    # would reuse the normal build's objects, or leave these to it), over
    # the installed one.
    COVCORE_REQUIRE_EXTENSION=1 "$venv/bin/python" -m pip install -q ".[test]"
    rm -rf "build/$mode/$version-build"
    CFLAGS="$cflags" LDFLAGS="$ldflags" COVCORE_REQUIRE_EXTENSION=1 "$venv/bin/python" setup.py -q build_ext \
        --build-temp "build/$mode/$version-build/tmp" --build-lib "build/$mode/$version-build/lib"
    site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("platlib"))')
    cp build/$mode/$version-build/lib/covcore/_ctracer*.so "$site/covcore/"
    touch "$stamp"
fi
preload=
if [ "$mode" = asan ]; then
    preload=$(gcc -print-file-name=libasan.so)
    [ -e "$preload" ] || { say "no ASan runtime ($preload): install gcc's libasan"; exit 1; }
fi
so=$(LD_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0 "$venv/bin/python" -c 'import covcore._ctracer as c; print(c.__file__)' || true)
[ -n "$so" ] || { say "covcore._ctracer does not import in $venv"; exit 1; }
if [ "$mode" = asan ] && ! ldd "$so" | grep -q libasan; then
    say "$so is not built with ASan (remove $venv and run again)"; exit 1
fi

# 2. The run, every report in $logs.
rm -rf "$logs"
mkdir -p "$logs"
[ $# -gt 0 ] || set -- $default_tests
export PYTHONMALLOC=malloc COVCORE_DIFF_JOBS=1
status=0
if [ "$mode" = asan ]; then
    say "Python $version, $so: $*"
    LD_PRELOAD=$preload \
    ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:log_path=$here/$logs/asan" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$here/$logs/ubsan" \
        "$venv/bin/python" -m pytest -p no:cacheprovider -q -n 2 "$@" || status=$?
else
    say "Python $version, $so: $*"
    valgrind --tool=memcheck --error-exitcode=99 --track-origins=yes --num-callers=30 \
        --leak-check=no \
        --log-file="$here/$logs/memcheck.%p" \
        "$venv/bin/python" -m pytest -p no:cacheprovider -q -p no:xdist "$@" || status=$?
fi

# 3. Any report fails the run.
reports=()
for log in "$logs"/*; do
    [ -e "$log" ] || continue
    if [ "$mode" = valgrind ]; then
        # A log per process (the forked children of subprocess too, until
        # they exec): clean when it has no error.
        grep -q "ERROR SUMMARY: [1-9]" "$log" || continue
    fi
    reports+=("$log")
done
if [ ${#reports[@]} -gt 0 ]; then
    for log in "${reports[@]}"; do say "report in $log:"; cat "$log" >&2; done
    say "FAILED: ${#reports[@]} report(s) under $logs"
    exit 1
fi
[ "$status" = 0 ] || { say "FAILED: pytest exited with $status"; exit "$status"; }
say "clean: no report, every test passed (Python $version)"

# covcore developer commands.  `make help` lists them.

PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV ?= .venv
VPY = $(VENV)/bin/python
PYTHONS ?= 3.10 3.11 3.12 3.13 3.14 3.15
PYTEST_ARGS ?=
BENCH_ARGS ?=
ANALYSIS_ARGS ?=
REALWORLD_ARGS ?=
HOOKS_PY ?= 3.12
HOOKS_ARGS ?=
FILETRACER_ARGS ?=

# The interpreter for a version: pyenv's if it has one, else pythonX.Y on PATH.
find_python = $(shell p=$$(pyenv prefix $(1) 2>/dev/null)/bin/python; [ -x "$$p" ] && echo $$p || command -v python$(1))

.DEFAULT_GOAL := help

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# Python 3.14 and 3.15 come from Debian sid's packages and run in a sid chroot
# (tests/sid_chroot.sh makes it when missing; root): `make test PYTHON=3.14`.
SID_PYTHON := $(filter 3.14 3.15,$(PYTHON))

ifneq ($(SID_PYTHON),)
demo test lint:
	bash tests/sid_chroot.sh $(SID_PYTHON) $@ PYTEST_ARGS='$(PYTEST_ARGS)'
else
$(VENV)/.installed-demo: pyproject.toml setup.py $(wildcard ctracer/*.c ctracer/*.h coverage_core/*.py)
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q .
	touch $@

demo: $(VENV)/.installed-demo  ## Install into .venv, measure the bundled example, print the report.
	cd examples && ../$(VENV)/bin/covcore run --branch --source wordstats demo.py
	cd examples && ../$(VENV)/bin/covcore report --show-missing

$(VENV)/.installed-test: pyproject.toml setup.py $(wildcard ctracer/*.c ctracer/*.h coverage_core/*.py coverage_core/htmlfiles/*)
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	COVCORE_REQUIRE_EXTENSION=1 $(VPY) -m pip install -q ".[test]"
	# hunter for tests/test_transparency.py, outside site-packages: there its
	# .pth would import hunter (and threading) into every Python started.
	$(VPY) -m pip install -q --upgrade --target $(VENV)/isolated-tools "hunter>=3.9"
	touch $@

test: $(VENV)/.installed-test system-tools  ## Install with test extras (C extension required) and run the whole test suite.
	$(VPY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test  ## Type-check the package and build the C extension with -Werror.
	# The package is checked as installed (covcore), from outside the tree.
	cd /tmp && $(abspath $(VPY)) -m mypy --strict -p covcore
	rm -rf build/lint && COVCORE_DEBUG_BUILD=1 COVCORE_REQUIRE_EXTENSION=1 $(VPY) setup.py -q build_ext --build-temp build/lint/tmp --build-lib build/lint/lib
endif

test-all:  ## Run the test suite on every supported Python ($(PYTHONS)).
	@set -e; for v in $(PYTHONS); do \
		echo "=== Python $$v"; \
		case $$v in 3.14|3.15) py=$$v ;; *) py=$$(p=$$(pyenv prefix $$v 2>/dev/null)/bin/python; [ -x "$$p" ] && echo $$p || echo python$$v) ;; esac; \
		$(MAKE) --no-print-directory test VENV=.venv-$$v PYTHON=$$py; \
	done

# The C extension under memory checkers (tests/sanitize.sh): each builds it
# into a venv of its own (.venv-asan-X.Y, .venv-valgrind-X.Y) and fails on
# any report, from the tests' processes or from those they start.
SANITIZE_PYTHONS ?= 3.12 3.14
VALGRIND_PYTHON ?= 3.12

sanitize:  ## ASan+UBSan: the tracer, differential, sysmon-flow, trouble and transparency suites on $(SANITIZE_PYTHONS); zero reports.
	@set -e; for v in $(SANITIZE_PYTHONS); do \
		echo "=== Python $$v (AddressSanitizer, UndefinedBehaviorSanitizer)"; \
		case $$v in \
			3.14|3.15) bash tests/sid_chroot.sh $$v sanitize-here PYTEST_ARGS='$(PYTEST_ARGS)' ;; \
			*) $(MAKE) --no-print-directory sanitize-here PYTHON=$$(p=$$(pyenv prefix $$v 2>/dev/null)/bin/python; [ -x "$$p" ] && echo $$p || echo python$$v) ;; \
		esac; \
	done

sanitize-here:  # One Python: $(PYTHON) (the sid chroot runs this for 3.14 and 3.15).
	bash tests/sanitize.sh asan $(PYTHON) $(PYTEST_ARGS)

valgrind:  ## valgrind memcheck: a sample of the same suites on $(VALGRIND_PYTHON) (PYTEST_ARGS picks others); zero errors.
	bash tests/sanitize.sh valgrind $(call find_python,$(VALGRIND_PYTHON)) $(PYTEST_ARGS)

# Reference leaks need a debug build of Python (sys.gettotalrefcount): sid's
# python3.14-dbg, in the chroot.
refleaks:  ## Each core started and stopped 1,000 times on python3.14-dbg: references and memory before and after.
	SID_EXTRA_PACKAGES=python3.14-dbg bash tests/sid_chroot.sh 3.14 refleaks-here REFLEAKS_ARGS='$(REFLEAKS_ARGS)'

refleaks-here:  # Inside the chroot: the test on a short loop, then the harness on the long one.
	bash tests/refleaks.sh $(PYTHON)d $(REFLEAKS_ARGS)

system-tools:  ## Install what the report tests drive when missing: Chromium, chromedriver, xmllint, genhtml, git (apt-get).
	@bash tests/install_system_tools.sh

bench:  ## Benchmark every core against coverage.py and SlipCover (BENCH_ARGS="--quick" for ~2 minutes).
	$(PYTHON) -m benchmarks $(BENCH_ARGS)

stdlib-branches: $(VENV)/.installed-test  ## Compare statements and branch arcs with coverage.py on every stdlib file.
	$(VPY) tests/stdlib_branches.py

bench-analysis: $(VENV)/.installed-test  ## Analysis time per 1,000 lines, covcore vs coverage.py (ANALYSIS_ARGS="--sample 4").
	$(VPY) -m benchmarks.analysis_cost $(ANALYSIS_ARGS)

bench-huge: $(VENV)/.installed-test  ## A 1,000,000-line module: run and report time and memory, covcore vs coverage.py (HUGE_ARGS="--lines 100000,200000").
	$(VPY) -m benchmarks.huge_module $(HUGE_ARGS)

bench-html: $(VENV)/.installed-test  ## Time covcore html vs coverage html on a real suite's data, first and incremental runs.
	$(VPY) -m benchmarks.html_bench $(HTML_BENCH_ARGS)

bench-hooks:  ## The trouble hooks cost nothing unused: each core with and without them (HOOKS_PY=3.12, HOOKS_ARGS="--reps 3").
	$(PYTHON) -m benchmarks --python $(HOOKS_PY) --tools plain,covcore-ctrace,covcore-ctrace-bare,covcore-sysmon,covcore-sysmon-bare \
		--no-micro --out benchmarks/results/$(HOOKS_PY)/hooks $(HOOKS_ARGS)

bench-frame-check: $(VENV)/.installed-test  ## ctrace's frame check: instructions per line event, by callgrind, on $(PYTHON).
	$(VPY) -m benchmarks.frame_check --python $(abspath $(VPY))

bench-filetracer: $(VENV)/.installed-test  ## The file-tracer path with no plug-in: instructions per core, before/after it (callgrind, on $(PYTHON); FILETRACER_ARGS="--modes lines,branch").
	$(VPY) -m benchmarks.filetracer_cost --python $(abspath $(VPY)) $(FILETRACER_ARGS)

bench-contexts:  ## Per-test contexts: covcore --covcore-context=test vs pytest-cov --cov-context=test (CONTEXTS_BENCH_ARGS="--python 3.12").
	$(PYTHON) -m benchmarks.contexts_bench $(CONTEXTS_BENCH_ARGS)

realworld:  ## Real projects' test suites under covcore and coverage.py, JSON reports compared (REALWORLD_ARGS="--cores ctrace").
	$(PYTHON) realworld/compare.py $(REALWORLD_ARGS)

clean:  ## Remove build products, virtualenvs and data files.
	rm -rf build dist *.egg-info .venv .venv-* coverage_core/*.so .pytest_cache .mypy_cache tests/out
	find . -name __pycache__ -prune -exec rm -rf {} +
	rm -f .covcore .covcore.* examples/.covcore examples/.covcore.*

.PHONY: help demo test test-all lint sanitize sanitize-here valgrind refleaks refleaks-here bench stdlib-branches bench-analysis bench-huge bench-html bench-hooks bench-frame-check bench-filetracer bench-contexts system-tools realworld clean

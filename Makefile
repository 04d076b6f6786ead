# driftline developer tasks. Needs only make and a Python 3.11, 3.12 or 3.13 (PYTHON=...; python3.11 by default);
# everything else is installed into .venv from the package registry.
#
#   make venv    create .venv and install driftline with its dev extras (re-runs when pyproject.toml changes)
#   make demo    install only driftline[duckdb] into .venv (if it is not there), generate the synthetic car-loan data, build the demo dbt project, print what drifted
#   make test    run the whole test suite: DuckDB, PostgreSQL and Spark lanes and the browser test, as CI does
#                (PYTEST_ARGS='-k parity -x' to narrow it); it prints the 15 slowest tests
#   make test-fast  the inner loop (under a minute): the pure-Python tests and NannyML parity on DuckDB
#   make bench   end-to-end benchmark on DuckDB (ROWS=1000000 by default)
#   make clean   remove generated files (demo outputs, dbt targets, caches); `make distclean` also removes .venv

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-duckdb
PYTEST_ARGS ?=
# make test-fast: tests that need no warehouse, plus the DuckDB parity build (DRIFTLINE_ENGINES=duckdb)
FAST_TESTS := tests/test_nannyml_results.py tests/test_cbpe_fitting.py tests/test_dle_fitting.py \
              tests/test_reconstruction_fitting.py tests/test_demo_data.py tests/test_parity.py \
              tests/test_performance_parity.py tests/test_package_tests.py
ROWS ?= 1000000

.PHONY: venv demo test test-fast bench clean distclean

venv: $(STAMP)

# a .venv of a supported Python (the version check runs before anything is created)
$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "make: driftline needs Python 3.11 to 3.13, but $(PYTHON) is " + sys.version.split()[0] + ". Run: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $(STAMP) $(DEMO_STAMP)

# the demo needs only the DuckDB install; a venv with the dev extras has it already
$(DEMO_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -e '.[duckdb]'
	@touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/driftline demo

test: venv
	@rc=0; $(BIN)/python -m pytest -q --durations=15 -n 3 --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; treating that as a failure" >&2; fi; \
	exit $$rc

test-fast: venv
	DRIFTLINE_ENGINES=duckdb CI= $(BIN)/python -m pytest -q --durations=15 $(FAST_TESTS) $(PYTEST_ARGS)

bench: venv
	$(BIN)/python bench/run.py --rows $(ROWS)

clean:
	rm -rf demo/target demo/dbt_packages demo/logs demo/profiles.yml demo/package-lock.yml \
	       demo/driftline_demo.duckdb demo/driftline_demo.duckdb.wal \
	       target dbt_packages logs bench/out test-artifacts .pytest_cache *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

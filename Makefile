# driftline developer tasks. Needs only python3.11 (or a python3 that is 3.11) and make;
# everything else is installed into .venv from the package registry.
#
#   make venv    create .venv and install driftline with its dev extras (re-runs when pyproject.toml changes)
#   make demo    generate the synthetic car-loan data, build the demo dbt project, print what drifted
#   make test    run the test suite (PYTEST_ARGS='-k parity -x' to narrow it)
#   make bench   end-to-end benchmark on DuckDB (ROWS=1000000 by default)
#   make clean   remove generated files (demo outputs, dbt targets, caches); `make distclean` also removes .venv

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
ROWS ?= 1000000

.PHONY: venv demo test bench clean distclean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "make venv: driftline needs Python 3.11, but $(PYTHON) is " + sys.version.split()[0] + ". Run: make venv PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $(STAMP)

demo: venv
	$(BIN)/driftline demo

test: venv
	@rc=0; $(BIN)/python -m pytest -q $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; treating that as a failure" >&2; fi; \
	exit $$rc

bench: venv
	$(BIN)/python bench/run.py --rows $(ROWS)

clean:
	rm -rf demo/target demo/dbt_packages demo/logs demo/profiles.yml demo/package-lock.yml \
	       demo/driftline_demo.duckdb demo/driftline_demo.duckdb.wal \
	       target dbt_packages logs bench/out test-artifacts .pytest_cache *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)

# The two commands a new user needs: `make demo` and `make test`.
# Each creates the virtual environment on first use (Python 3.11 and network access to PyPI).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
DOCS_STAMP := $(VENV)/.docs-stamp
DEMO_OUT ?= demo_output
LANE := bash .ci/lane.sh
# `make test` measures coverage over both test lanes; set COV= to run a lane without it.
COV ?=
COVERAGE_MIN ?= 85
LINT_PATHS := scaling_bayes tests benchmarks docs/hooks.py

.PHONY: install demo test test-fast test-slow lint types coverage docs docs-serve format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[fast,dask,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/scaling-bayes demo --out $(DEMO_OUT) --force

# Lint, types, the fast lane, the slow lane (real fits and the notebooks) and coverage, each
# reported as a lane; -k: a failing lane does not stop the others, but fails `make test`.
test: $(STAMP)
	@$(MAKE) --no-print-directory -k COV="--cov --cov-report=" lint types test-fast test-slow coverage

test-fast: $(STAMP)
	@$(LANE) "fast tests" $(BIN)/python -m pytest -m "not slow" $(COV)

test-slow: $(STAMP)
	@$(LANE) "slow tests + notebooks" $(BIN)/python -m pytest -m slow $(COV) $(if $(COV),--cov-append)

coverage: $(STAMP)
	@$(LANE) "coverage" $(BIN)/python -m coverage report --fail-under=$(COVERAGE_MIN)

lint: $(STAMP)
	@$(LANE) "lint" sh -c '$(BIN)/ruff check $(LINT_PATHS) && $(BIN)/ruff format --check $(LINT_PATHS)'

types: $(STAMP)
	@$(LANE) "types" $(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $(DOCS_STAMP)

# The documentation site in site/, warnings as errors; notebooks from their stored outputs.
# NO_MKDOCS_2_WARNING: the theme's banner about its successor, printed on every build.
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-serve: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_speed.py
	$(BIN)/python benchmarks/bench_recovery.py
	$(BIN)/python benchmarks/bench_calibration.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) site .pytest_cache .ruff_cache .mypy_cache .coverage

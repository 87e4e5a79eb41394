# The two commands a new user needs: `make demo` and `make test`.
# Each creates the virtual environment on first use (Python 3.11 and network access to PyPI).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
DEMO_OUT ?= demo_output

.PHONY: install demo test test-fast lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[fast,dask,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/scaling-bayes demo --out $(DEMO_OUT) --force

test: $(STAMP)
	$(BIN)/ruff check scaling_bayes tests benchmarks
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check scaling_bayes tests benchmarks
	$(BIN)/ruff format --check scaling_bayes tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format scaling_bayes tests benchmarks
	$(BIN)/ruff check --fix scaling_bayes tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_speed.py
	$(BIN)/python benchmarks/bench_recovery.py
	$(BIN)/python benchmarks/bench_calibration.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .ruff_cache

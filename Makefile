# Two commands do all set-up on a fresh machine:
#   make demo   the function against the local OCI emulator, end to end
#   make test   every test suite (what CI runs through .ci/run)
# and make serve puts the function behind a local API Gateway to try with curl.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-3.3.30

.PHONY: demo serve test test-fast unit lint iac bench fuzz clean

# First run only: say so, and let pip show what it downloads (a few minutes on a fresh machine).
$(STAMP):
	@echo "== Installing the development tools into $(VENV) (first run, or the requirements changed): a few minutes"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

# checkov has its own venv: its pins conflict with pytest's.
$(CHECKOV_STAMP):
	@echo "== Installing checkov into $(CHECKOV_VENV) (first make test only): a minute or two"
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --disable-pip-version-check --progress-bar on checkov==3.3.30
	touch $@

demo: $(STAMP)
	$(BIN)/python -m demo $(DEMO_ARGS)

# The function behind a local API Gateway on 127.0.0.1:$(PORT), curl commands printed;
# Ctrl-C stops it. SERVE_ARGS=--execute runs the notebooks for real.
PORT ?= 8080
serve: $(STAMP)
	$(BIN)/python -m demo.serve --port $(PORT) $(SERVE_ARGS)

test: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The in-process layers only (no fdk process, no emulator): seconds, for every edit.
# Fails if the service's line coverage by these tests drops under 90 %.
FAST_TESTS := tests/unit tests/job/test_units.py
test-fast: $(STAMP)
	$(BIN)/python -m coverage run -m pytest -q $(FAST_TESTS)
	$(BIN)/python -m coverage report --include=func/service.py --fail-under=90

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

iac: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/python -m pytest tests/iac

bench: $(STAMP)
	$(BIN)/python -m benchmarks

fuzz: $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check atheris==3.0.0
	$(BIN)/python -m tests.fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .hypothesis .ruff_cache .mypy_cache .coverage

# Two commands do all set-up on a fresh machine:
#   make demo   the function against the local OCI emulator, end to end
#   make test   every test suite (what CI runs through .ci/run)
# and make serve puts the function behind a local API Gateway to try with curl.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < requirements/dev.lock.txt | cut -d' ' -f1)
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell cksum < requirements/checkov.lock.txt | cut -d' ' -f1)
# Installs read only hashed locks (requirements/*.lock.txt, job/requirements.lock.txt),
# written from their inputs by `make lock`.
PIP_LOCKED := pip install --disable-pip-version-check --progress-bar on --require-hashes -r
# Where `make payload` builds the function image's /python tree.
DEST ?= build/payload

.PHONY: demo serve test test-fast fast-covered fast-uncovered unit lint iac bench fuzz clean lock payload images container-tools docs-examples mutation

# First run only: say so, and let pip show what it downloads (a few minutes on a fresh machine).
$(STAMP):
	@echo "== Installing the development tools into $(VENV) (first run, or the requirements changed): a few minutes"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP_LOCKED) requirements/dev.lock.txt
	rm -f $(VENV)/.installed-* && touch $@

# checkov has its own venv: its pins conflict with pytest's.
$(CHECKOV_STAMP):
	@echo "== Installing checkov into $(CHECKOV_VENV) (first make test only): a minute or two"
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/$(PIP_LOCKED) requirements/checkov.lock.txt
	rm -f $(CHECKOV_VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/python -m demo $(DEMO_ARGS)

# The function behind a local API Gateway on 127.0.0.1:$(PORT), curl commands printed;
# Ctrl-C stops it. SERVE_ARGS=--execute runs the notebooks for real.
PORT ?= 8080
serve: $(STAMP)
	$(BIN)/python -m demo.serve --port $(PORT) $(SERVE_ARGS)

# The images are built (or reused: same inputs) before the suite; the image tests in
# tests/system/ skip, saying why, only where no container engine can run.
test: $(STAMP) $(CHECKOV_STAMP) container-tools
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m tools.images build --if-engine
	$(BIN)/python -m pytest

# The in-process layers only (tests/unit and tests/service: no fdk process, no emulator,
# nothing marked slow): seconds, for every edit. The service layer, the request types'
# tests and the job container's logic run under branch coverage, which fails when the
# service (the service, its handlers and the request types) is covered under 90 %, or the
# job container's runner and notebook execution under 85 %; the other unit tests run
# without it (coverage's tracing doubles their time). The searches (oracle-ads and property
# tests, run by make test) are not collected, and only the pytest plugins these tests use
# are loaded.
FAST_TESTS := tests/unit tests/service
COVERED_TESTS := tests/service tests/unit/job tests/unit/test_triggers.py
SEARCHES := tests/unit/ads tests/unit/properties
FAST_ENV := PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
FAST_OPTS := -q -m "not slow" -p pytest_timeout -p pytest_asyncio.plugin \
             -p no:unraisableexception $(addprefix --ignore=,$(SEARCHES))
SERVICE_FILES := func/service.py,func/operations.py,func/request.py,func/runs.py,func/runstates.py,func/runlogs.py
# Its two halves run side by side, one per core; each prints its output whole when it ends.
test-fast: $(STAMP)
	$(MAKE) --no-print-directory -j2 --output-sync=target fast-covered fast-uncovered

fast-covered: $(STAMP)
	rm -f .coverage
	$(FAST_ENV) $(BIN)/python -m coverage run -m pytest $(FAST_OPTS) $(COVERED_TESTS)
	$(BIN)/python -m coverage report --include=$(SERVICE_FILES) --fail-under=90
	$(BIN)/python -m coverage report --include=job/runner.py,job/notebook.py --fail-under=85

fast-uncovered: $(STAMP)
	$(FAST_ENV) $(BIN)/python -m pytest $(FAST_OPTS) tests/unit \
	  $(addprefix --ignore=,$(filter tests/unit/%,$(COVERED_TESTS)))

# Mutation testing of func/, jobspec/, ociplatform/ and job/ against the fast suite: the
# score per package and the surviving mutants (README: "Mutation testing"). Sampled, a few
# minutes at low priority; never in CI. MUTATION_ARGS="--sample 0" runs every mutant.
mutation: $(STAMP)
	nice -n 10 $(BIN)/python tools/mutation.py --tests $(FAST_TESTS) $(MUTATION_ARGS)

unit: $(STAMP)
	$(FAST_ENV) $(BIN)/python -m pytest $(FAST_OPTS) tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

iac: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/python -m pytest tests/iac

bench: $(STAMP)
	$(BIN)/python -m benchmarks

fuzz: $(STAMP)
	$(BIN)/$(PIP_LOCKED) requirements/fuzz.lock.txt
	$(BIN)/python -m tests.fuzz $(FUZZ_ARGS)

# Rewrite the answers and outputs README.md and docs/reference.md show (the blocks marked
# <!-- example: NAME -->) from what the code produces now; the tests compare them otherwise.
docs-examples: $(STAMP)
	UPDATE_DOCS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/process/test_doc_examples.py \
	  "tests/system/test_demo.py::test_the_demo_executes_the_notebook_and_sums_it_up[SUCCEEDED]"

# Re-resolve every lock from its inputs after editing one (LOCK_ARGS=--upgrade: newest
# allowed versions instead of keeping the current pins); commit the inputs and the locks.
lock: $(STAMP)
	$(BIN)/python tools/lock.py $(LOCK_ARGS)

# The function image's /python tree without Docker, exactly as the Dockerfile builds it.
payload: $(STAMP)
	$(BIN)/python tools/build_payload.py --replace $(DEST)

# podman, runc and debootstrap when missing (apt-get, as root; otherwise it says what to
# install): what the images and their tests need.
container-tools:
	@bash tools/container-tools.sh

# Both images with podman or Docker: jobrun-launcher:<version> (Dockerfile) and
# notebook-runner:<version> (job/Dockerfile); reused when built from the same inputs; on a
# stand-in base from Debian packages where the canonical bases cannot be pulled.
images: $(STAMP) container-tools
	$(BIN)/python -m tools.images build

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .hypothesis .ruff_cache .mypy_cache .coverage build

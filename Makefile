# Two commands do all set-up on a fresh machine:
#   make demo   the function against the local OCI emulator, end to end
#   make test   every test suite (what CI runs through .ci/run)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < requirements/dev.lock.txt | cut -d' ' -f1)
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(shell cksum < requirements/checkov.lock.txt | cut -d' ' -f1)
# Installs read only hashed locks (requirements/*.lock.txt, job/requirements.lock.txt),
# written from their inputs by `make lock`.
PIP_LOCKED := pip install --quiet --disable-pip-version-check --require-hashes -r
# Where `make payload` builds the function image's /python tree.
DEST ?= build/payload

.PHONY: demo test unit lint iac bench fuzz clean lock payload

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP_LOCKED) requirements/dev.lock.txt
	rm -f $(VENV)/.installed-* && touch $@

# checkov has its own venv: its pins conflict with pytest's.
$(CHECKOV_STAMP):
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/$(PIP_LOCKED) requirements/checkov.lock.txt
	rm -f $(CHECKOV_VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/python -m localoci.demo $(DEMO_ARGS)

test: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .

iac: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/python -m pytest tests/iac

bench: $(STAMP)
	$(BIN)/python -m benchmarks

fuzz: $(STAMP)
	$(BIN)/$(PIP_LOCKED) requirements/fuzz.lock.txt
	$(BIN)/python -m tests.fuzz $(FUZZ_ARGS)

# Re-resolve every lock from its inputs after editing one (LOCK_ARGS=--upgrade: newest
# allowed versions instead of keeping the current pins); commit the inputs and the locks.
lock: $(STAMP)
	$(BIN)/python tools/lock.py $(LOCK_ARGS)

# The function image's /python tree without Docker, exactly as the Dockerfile builds it.
payload: $(STAMP)
	$(BIN)/python tools/build_payload.py --replace $(DEST)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .hypothesis .ruff_cache build

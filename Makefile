# Two commands on a fresh machine: `make demo` runs the main job, `make test` the whole suite.
# Needs only Python 3.11+ and make: the virtual environment installs itself from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-postgres test-fast lint bench lock messages clean

POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/rollcall demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy core kindertrack workers bot cli rollcall standins tests bench
	$(BIN)/pytest

# The suite against PostgreSQL (each run creates and drops its own database on that server).
test-postgres: $(STAMP)
	ROLLCALL_TEST_DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest

# Everything not marked slow, with the Hypothesis profile "fast" (20 examples per property).
test-fast: $(STAMP)
	HYPOTHESIS_PROFILE=fast $(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core kindertrack workers bot cli rollcall standins tests bench

bench: $(STAMP)
	$(BIN)/python bench/report.py
	$(BIN)/python bench/ack.py

# Seeded fault injection over real processes (tests/chaos): `make chaos TRIALS=N SEED=S`,
# BACKEND=postgres for PostgreSQL (each trial makes and drops its own database there),
# JOBS=J trials side by side. The sources are compiled first: a trial starts a dozen
# Python processes, and with PYTHONDONTWRITEBYTECODE set each would compile them again.
TRIALS ?= 10
SEED ?= 1
BACKEND ?= sqlite
JOBS ?= 1
chaos: $(STAMP)
	$(BIN)/python -m compileall -q core kindertrack workers bot cli rollcall tests > /dev/null
	$(BIN)/python -m tests.chaos --trials $(TRIALS) --seed $(SEED) --backend $(BACKEND) \
		--jobs $(JOBS) --postgres-url $(POSTGRES_URL)

# Regenerate the hash-pinned lock (uv is bootstrapped into a throwaway venv).
lock:
	$(PYTHON) -m venv /tmp/rollcall-uv && /tmp/rollcall-uv/bin/pip install --quiet uv
	/tmp/rollcall-uv/bin/uv pip compile pyproject.toml --group dev --generate-hashes \
		--python-version 3.11 --universal --no-header --no-annotate -o requirements.lock

# Extract every marked text (babel.cfg) and merge it into the Spanish catalogue; then fill
# in each empty (or "fuzzy") msgstr in core/locale/es/LC_MESSAGES/messages.po.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output \
		--project=rollcall -o $(VENV)/messages.pot .
	$(BIN)/pybabel update -i $(VENV)/messages.pot -d core/locale -D messages -l es \
		--no-wrap --ignore-obsolete
	sed -i '/^"POT-Creation-Date: /d; /^"PO-Revision-Date: /d' core/locale/es/LC_MESSAGES/messages.po

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

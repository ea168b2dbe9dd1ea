# Cyber360 Santé — every set-up step lives here: nothing is installed by hand.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8360
PYTEST_WORKERS ?= 2

.PHONY: demo test test-fast lint bench serve migrate clean install e2e-deps translations

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make demo: create the environment, migrate, load the demo data and serve http://127.0.0.1:8360
demo: $(STAMP)
	CYBER360_ENV=demo $(VENV)/bin/cyber360 demo --host $(HOST) --port $(PORT)

serve: $(STAMP)
	$(VENV)/bin/cyber360 serve --host $(HOST) --port $(PORT)

migrate: $(STAMP)
	$(VENV)/bin/cyber360 db upgrade

## make test: the whole suite (unit, integration on SQLite and PostgreSQL if configured, end-to-end)
test: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=20

test-fast: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not e2e"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy -p cyber360.core -p cyber360.quant -m cyber360.org.model -m cyber360.assess.model -m cyber360.risk.model -m cyber360.crisis.clocks -m cyber360.crisis.logbook -m cyber360.cover.model -m cyber360.cover.claims -m cyber360.cover.cooperative

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

## Re-extract the translatable strings and merge them into the catalogs (developers).
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -o src/cyber360/locale/messages.pot src
	$(VENV)/bin/pybabel update -i src/cyber360/locale/messages.pot -d src/cyber360/locale --no-fuzzy-matching

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

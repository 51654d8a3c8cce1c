# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck bench migration clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/consultant up

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not integration and not slow"

lint: $(STAMP)
	$(BIN)/ruff check consultant tests bench
	$(BIN)/ruff format --check consultant tests bench

typecheck: $(STAMP)
	$(BIN)/mypy consultant

# Each prints its figures beside a floor measured in the same run.
bench: $(STAMP)
	$(BIN)/python bench/ingest.py 2000
	$(BIN)/python bench/codes_import.py
	$(BIN)/python bench/detect.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/web.py

# Regenerate the initial migration from the models (the schema has not shipped yet, so one revision).
migration: $(STAMP)
	rm -f db/versions/*.py
	rm -f /tmp/consultant-migration.sqlite3
	CONSULTANT_DATABASE_URL=sqlite:////tmp/consultant-migration.sqlite3 $(BIN)/alembic -c db/alembic.ini revision --autogenerate --rev-id 0001 -m "initial schema"
	$(BIN)/ruff format db/versions

clean-venv:
	rm -rf $(VENV)

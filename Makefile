# Confide — two commands: `make run` (demo on the embedded default) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/confide
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-sqlite test-postgres lint format install install-test migrate demo bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py demo

## make run: fresh machine → venv, install, migrate, demo data, server + worker on http://127.0.0.1:8000
run: demo
	@echo "Open http://127.0.0.1:8000/ — demo logins are printed above."
	CONFIDE_WEBAUTHN_INSECURE_ORIGIN=1 $(BIN)/python manage.py serve

## make test: lint, the whole suite on SQLite, then the database tests on PostgreSQL when reachable
test: install-test lint test-sqlite test-postgres

lint: install-test
	$(BIN)/ruff check confide bench tests research conftest.py
	$(BIN)/mypy confide/privacy confide/core/env.py confide/core/jurisdictions.py confide/accounts/services.py confide/accounts/policies.py

format: install-test
	$(BIN)/ruff format confide bench tests conftest.py
	$(BIN)/ruff check --fix confide bench tests conftest.py

test-sqlite: install-test
	env -u CONFIDE_DATABASE_URL $(BIN)/pytest -m "not postgres" $(PYTEST_ARGS)

test-postgres: install-test
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
		echo "== PostgreSQL pass: database tests against $(PG_URL) =="; \
		CONFIDE_DATABASE_URL=$(PG_URL) $(BIN)/pytest -m "not browser" $(PYTEST_ARGS); \
	elif [ "$$CONFIDE_TEST_STRICT" = "1" ]; then \
		echo "PostgreSQL is not reachable on 127.0.0.1:5432 and CONFIDE_TEST_STRICT=1: failing."; exit 1; \
	else \
		echo "PostgreSQL is not reachable on 127.0.0.1:5432: skipped the PostgreSQL pass."; \
	fi

bench: install-test
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var/confide.sqlite3* *.egg-info

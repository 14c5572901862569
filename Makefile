# Confide — two commands: `make run` (demo on the embedded default) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/confide
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-sqlite test-sqlite-no-browser test-browser test-postgres lint format install install-test migrate demo bench clean

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

## make test: lint, then the whole suite on SQLite and the database tests again on PostgreSQL
## (docs/testing.md). Three pytest runs, about 4 minutes on 2 cores:
##   1. side by side, one per core: every test but the browser ones on SQLite (test-sqlite-no-browser)
##      and the PostgreSQL pass (test-postgres); neither starts Chromium, each has its own database;
##   2. then the browser tests on SQLite, alone (test-browser): they wait on real time (WebRTC, presence
##      renewals, TOTP steps), so they get the machine to themselves.
## test-sqlite-no-browser + test-browser select exactly test-sqlite's tests (everything not marked postgres).
## Output comes a run at a time (--output-sync): nothing is printed until the first run of step 1 ends.
test: install-test lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite-no-browser test-postgres
	@$(MAKE) --no-print-directory test-browser

lint: install-test
	$(BIN)/ruff check confide bench tests research conftest.py
	$(BIN)/mypy confide/privacy confide/core/env.py confide/core/jurisdictions.py confide/accounts/services.py confide/accounts/policies.py

format: install-test
	$(BIN)/ruff format confide bench tests conftest.py
	$(BIN)/ruff check --fix confide bench tests conftest.py

## the whole suite on SQLite in one run (what make test runs in two parts)
test-sqlite: install-test
	env -u CONFIDE_DATABASE_URL $(BIN)/pytest -m "not postgres" $(PYTEST_ARGS)

test-sqlite-no-browser: install-test
	env -u CONFIDE_DATABASE_URL $(BIN)/pytest -m "not postgres and not browser" $(PYTEST_ARGS)

test-browser: install-test
	env -u CONFIDE_DATABASE_URL $(BIN)/pytest -m "browser and not postgres" $(PYTEST_ARGS)

## The PostgreSQL pass runs what can differ between the databases: every test that uses the test
## database — conftest.py marks it `database` when it has a django_db marker or a database fixture — and
## every test marked postgres. A test with neither cannot reach a database (pytest-django refuses the
## query), so it ran on SQLite already with the same result. Browser tests run on SQLite only.
## Its own Redis database (PG_TEST_REDIS_URL), so its Redis tests never meet the SQLite run's keys.
## No PostgreSQL: skipped, or a failure under CONFIDE_TEST_STRICT=1 (CI).
PG_TEST_REDIS_URL ?= redis://127.0.0.1:6379/14
test-postgres: install-test
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
		echo "== PostgreSQL pass: database tests against $(PG_URL) =="; \
		CONFIDE_DATABASE_URL=$(PG_URL) CONFIDE_TEST_REDIS_URL=$(PG_TEST_REDIS_URL) \
			$(BIN)/pytest -m "(database or postgres) and not browser" $(PYTEST_ARGS); \
	elif [ "$$CONFIDE_TEST_STRICT" = "1" ]; then \
		echo "PostgreSQL is not reachable on 127.0.0.1:5432 and CONFIDE_TEST_STRICT=1: failing."; exit 1; \
	else \
		echo "PostgreSQL is not reachable on 127.0.0.1:5432: skipped the PostgreSQL pass."; \
	fi

bench: install-test
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var/confide.sqlite3* *.egg-info

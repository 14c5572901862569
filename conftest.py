"""Project-wide pytest set-up: persona fixtures, browser fixtures, strict CI mode."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from django.conf import settings as _settings

from confide.core.testing.services import strict

# pytest-django has loaded the settings before this file runs, and nothing has opened a database
# connection yet, so the test database is adjusted in place (environment variables set here would
# be too late).
_DB = _settings.DATABASES["default"]
# Tests open connections from server threads they then stop; persistent connections would outlive
# them and keep the PostgreSQL test database busy at teardown. The benchmarks measure the default.
_DB["CONN_MAX_AGE"] = 0
# The PostgreSQL pool stays on (the code path the app runs), sized for the thread races of the suite
# (20 booking threads, chat database threads, server threads); Django closes it before dropping the
# test database.
if isinstance(_DB.get("OPTIONS", {}).get("pool"), dict):
    _DB["OPTIONS"]["pool"] = {**_DB["OPTIONS"]["pool"], "max_size": 64}
# A commit on the test database does not wait for its WAL flush (fsync): nothing here survives a
# server crash anyway, and every transactional test commits dozens of times (set-up, the code under
# test, the flush). Locks, isolation and constraints are unchanged; only durability is, which no test
# checks (the multi-process tests kill app processes, never PostgreSQL).
if _DB["ENGINE"].endswith("postgresql"):
    _DB.setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
# SQLite runs use a throwaway database file (in RAM when /dev/shm exists), private to this run: the
# in-memory default fails with "table is locked" when server threads write at the same time.
_folder = ""
if _DB["ENGINE"].endswith("sqlite3") and not _DB.setdefault("TEST", {}).get("NAME"):
    _RAM = "/dev/shm"  # noqa: S108 — only the parent: the run gets its own private directory inside
    _folder = tempfile.mkdtemp(prefix="confide-test-", dir=_RAM if os.path.isdir(_RAM) else None)
    _DB["TEST"]["NAME"] = os.path.join(_folder, "test.sqlite3")

# Argon2 (production's hasher) costs 0.2–0.4 s a hash on this machine, and the suite creates and signs
# in thousands of personas: tests hash with MD5 first. The production hashers stay in the list, so a
# hash made the production way still verifies; confide/core/tests/test_password_hashing.py proves the
# settings module itself hashes with Argon2.
_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *_settings.PASSWORD_HASHERS]


pytest_plugins = ["confide.core.testing.fixtures", "confide.core.testing.browser", "confide.core.testing.asgi"]


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"confide: database={engine}, strict services={'yes' if strict() else 'no'}"]


# Fixtures that give a test the Django test database; a test that uses none of them cannot reach it
# (pytest-django refuses the query), so it runs the same whichever database the settings name.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


def uses_database(item: pytest.Item) -> bool:
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ())
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test that uses the test database ``database`` (before ``-m`` selects): the PostgreSQL
    pass runs ``-m "(database or postgres) and not browser"`` — see docs/testing.md."""
    for item in items:
        if uses_database(item):
            item.add_marker(pytest.mark.database)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CONFIDE_TEST_STRICT=1) a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if strict() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under CONFIDE_TEST_STRICT=1: {reason}"


def pytest_unconfigure(config):
    """Remove this run's private SQLite folder (Django already deleted the database file)."""
    if _folder:
        shutil.rmtree(_folder, ignore_errors=True)

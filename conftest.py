"""Project-wide pytest set-up: persona fixtures, browser fixtures, strict CI mode."""

from __future__ import annotations

import os

import pytest

# Tests open connections from server threads they then stop; persistent connections would outlive
# them and keep the test database busy at teardown. The benchmarks measure the production default.
os.environ.setdefault("CONFIDE_DB_CONN_MAX_AGE", "0")

from confide.core.testing.services import strict

pytest_plugins = ["confide.core.testing.fixtures", "confide.core.testing.browser", "confide.core.testing.asgi"]


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [f"confide: database={engine}, strict services={'yes' if strict() else 'no'}"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CONFIDE_TEST_STRICT=1) a skipped test is a failed test."""
    outcome = yield
    report = outcome.get_result()
    if strict() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under CONFIDE_TEST_STRICT=1: {reason}"

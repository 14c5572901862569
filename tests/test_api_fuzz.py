"""Schemathesis generates requests from /api/openapi.json: none may cause a server error.

Covers every endpoint every app adds, anonymously and with a client's token, so
new endpoints are fuzzed the day they land.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())

FUZZ_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(autouse=True)
def _keep_test_connection_open():
    """Django's test client stops request_finished from closing the DB connection; do the same here."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def client_token(db):
    from confide.accounts.services import issue_api_token
    from confide.core.testing.fixtures import make_user
    from confide.privacy.audit import RequestContext

    user = make_user("fuzz-client@example.test", "client")
    return issue_api_token(RequestContext(user), user, "fuzz").secret


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_never_answers_with_a_server_error(case, client_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {client_token}"}, checks=[not_a_server_error])


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_never_answers_anonymous_callers_with_a_server_error(case):
    case.call_and_validate(checks=[not_a_server_error])

"""Every intake page, as the person who uses it, with data on it: no server error, nothing external, axe-clean."""

import pytest

from confide.accounts.services import start_care
from confide.core.demo import DemoPeople
from confide.core.testing.browser import axe_violations, sign_in_with_session
from confide.core.testing.fixtures import PASSWORD, make_user
from confide.intake import demo
from confide.intake.tests.conftest import ensure_consent_v1

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo_client(transactional_db):
    # serialized_rollback cannot restore migration data here: once Playwright's event loop runs, Django hands
    # out a fresh connection object without the serialized copy (see confide/intake/tests/conftest.py).
    ensure_consent_v1()
    client = make_user("river@example.test", "client", name="River")
    demo.populate(DemoPeople(password=PASSWORD, clients=[client]))
    return client


def test_client_intake_pages_are_accessible(page, live_server, demo_client):
    sign_in_with_session(page, demo_client)
    problems = {}
    for path in ("/intake/", "/intake/questionnaire/", "/intake/consent/", "/intake/emergency-plan/",
                 "/intake/check-in/gad7/", "/intake/progress/", "/dashboard/"):  # fmt: skip
        response = page.goto(path)
        assert response.status == 200, path
        violations = axe_violations(page)
        if violations:
            problems[path] = violations
    assert problems == {}


def test_therapist_intake_pages_are_accessible(page, live_server, demo_client):
    therapist = make_user("dr.browser@example.test", "therapist", name="Dr Browser")
    start_care(demo_client, therapist)
    sign_in_with_session(page, therapist)
    problems = {}
    for path in (f"/clients/{demo_client.pk}/intake/", f"/clients/{demo_client.pk}/progress/", "/dashboard/"):
        response = page.goto(path)
        assert response.status == 200, path
        violations = axe_violations(page)
        if violations:
            problems[path] = violations
    assert problems == {}
    assert page.locator("svg.chart").count() == 0  # dashboard has no chart
    page.goto(f"/clients/{demo_client.pk}/progress/")
    assert page.locator("svg.chart").count() == 2
    assert page.locator("circle.reliable-change").count() >= 1

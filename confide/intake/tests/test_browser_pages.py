"""Every intake page, as the person who uses it, with data on it: no server error, nothing external, axe-clean."""

import re

import pytest

from confide.accounts.services import start_care
from confide.core.demo import DemoPeople
from confide.core.testing.browser import axe_violations, fresh_totp_code
from confide.core.testing.fixtures import PASSWORD, make_user
from confide.intake import demo
from confide.intake.tests.conftest import ensure_consent_v1

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:  # clinicians confirm with their authenticator
        page.locator("input[name=code]").fill(fresh_totp_code(user._totp_secret))
        page.get_by_role("button", name=re.compile("Sign In|Authenticate|Verify", re.I)).click()
    page.wait_for_url("**/dashboard/")


@pytest.fixture
def demo_client(transactional_db):
    # serialized_rollback cannot restore migration data here: once Playwright's event loop runs, Django hands
    # out a fresh connection object without the serialized copy (see confide/intake/tests/conftest.py).
    ensure_consent_v1()
    client = make_user("river@example.test", "client", name="River")
    demo.populate(DemoPeople(password=PASSWORD, clients=[client]))
    return client


def test_client_intake_pages_are_accessible(page, live_server, demo_client):
    sign_in(page, demo_client)
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
    sign_in(page, therapist)
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

"""Safety pages in real Chromium: help page (client and anonymous), alerts, event — axe-clean, badge updates."""

import pytest

from confide.accounts.services import start_care
from confide.core.testing.browser import axe_violations, sign_in_with_session
from confide.core.testing.fixtures import make_user
from confide.safety.models import SafetyEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_anonymous_help_page_country_chooser(page, live_server):
    page.goto("/help/now/")
    assert axe_violations(page) == []
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Show crisis lines").click()
    assert "Samaritans" in page.locator("main").inner_text()
    assert axe_violations(page) == []


def test_client_presses_help_and_therapist_sees_the_alert(page, live_server, browser_context):
    client = make_user("help.client@example.test", "client", name="Quinn")
    therapist = make_user("help.therapist@example.test", "therapist", name="Dr Help")
    start_care(client, therapist)
    sign_in_with_session(page, client)
    page.goto("/help/now/")
    assert "988" in page.locator("main").inner_text()
    page.get_by_role("button", name="I need help now").click()
    page.wait_for_url("**/help/now/")
    assert "Your therapist has been told." in page.locator("main").inner_text()
    assert axe_violations(page) == []
    assert SafetyEvent.objects.filter(client=client).count() == 1

    page.context.clear_cookies()
    sign_in_with_session(page, therapist)
    badge = page.locator("[data-badge-url] .badge")
    badge.wait_for()
    assert badge.inner_text().startswith("1")
    page.goto("/safety/alerts/")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Open event from").first.click()
    page.get_by_label("Follow-up note").fill("Called Quinn; safe at home with partner; session booked tomorrow.")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Close event").click()
    page.wait_for_url("**/safety/alerts/")
    assert SafetyEvent.objects.get(client=client).status == "closed"

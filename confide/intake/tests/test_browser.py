"""In real Chromium on a phone-sized screen: PHQ-9 in one screen, large targets, axe-clean; C-SSRS skip logic."""

import re

import pytest

from confide.core.testing.browser import axe_violations, sign_in_with_session
from confide.core.testing.fixtures import make_user
from confide.intake.models import MeasureResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_client_fills_phq9_on_a_360px_phone(page, live_server):
    client = make_user("phone.client@example.test", "client", name="Wren")
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in_with_session(page, client)
    page.goto("/intake/check-in/phq9/")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    first_choice = page.locator("fieldset.item label").first.bounding_box()
    assert first_choice["height"] >= 44  # thumb-sized target
    for number in range(1, 10):
        group = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        group.get_by_label("Several days" if number < 9 else "Not at all").check()
    page.get_by_role("group", name=re.compile("how difficult")).get_by_label("Somewhat difficult").check()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url("**/intake/progress/")
    assert "8" in page.locator("main").inner_text()
    assert MeasureResponse.objects.get(client=client).result["total"] == 8
    assert axe_violations(page) == []


def test_cssrs_hides_follow_up_questions_until_yes_to_question_2(page, live_server):
    client = make_user("skip.client@example.test", "client", name="Ash")
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in_with_session(page, client)
    page.goto("/intake/check-in/wellbeing/")
    q3 = page.locator('fieldset[data-ask-if="q2=1"]').first
    assert not q3.is_visible()
    page.get_by_role("group", name=re.compile(r"^2\. Since last contact")).get_by_label("Yes").check()
    assert q3.is_visible()
    assert axe_violations(page) == []

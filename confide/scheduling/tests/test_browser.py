"""End to end in real Chromium: a client books a slot and sees it; pages pass axe; the week works on a phone."""

import re

import pytest

from confide.core.testing.browser import axe_violations, sign_in_with_session
from confide.scheduling.models import Appointment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_client_books_a_slot_end_to_end(page, practice, ready_client):
    sign_in_with_session(page, ready_client)
    page.goto(f"/book/{practice.pk}/")
    assert "America/New York" in page.locator("#slots").inner_text()
    assert axe_violations(page) == []
    # Switching the appointment choice reloads just the slot list (HTMX).
    page.get_by_label("Audio call").check()
    page.wait_for_url(re.compile(r"modality=audio"))
    first_slot = page.locator("a.slot").first
    label = first_slot.get_attribute("aria-label")
    first_slot.click()
    page.wait_for_url("**/confirm/**")
    assert page.get_by_role("heading", name="Cancellation policy").is_visible()
    assert axe_violations(page) == []
    page.get_by_label(re.compile("Anything you would like")).fill("First time trying therapy")
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url(re.compile(r"/appointments/[0-9a-f-]+/$"))
    assert label in page.get_by_role("heading", level=1).inner_text()
    appointment = Appointment.objects.get()
    assert appointment.modality == "audio" and appointment.note == "First time trying therapy"
    page.goto("/appointments/")
    assert page.get_by_role("link", name=label).is_visible()
    assert axe_violations(page) == []


def test_therapist_week_on_a_phone(browser_context, practice, ready_client, live_server):
    from confide.core.testing.browser import new_guarded_page
    from confide.scheduling.availability import zone_of
    from confide.scheduling.tests.conftest import book

    appointment = book(ready_client, practice)
    page = new_guarded_page(browser_context, live_server.url)
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in_with_session(page, practice)
    # The therapist's own week (New York), not the UTC date: a Sunday-evening slot is Monday in UTC.
    page.goto(f"/schedule/?week={appointment.start_at.astimezone(zone_of(practice)).date().isoformat()}")
    days = page.locator(".week-day")
    assert days.count() == 7
    first, second = days.nth(0).bounding_box(), days.nth(1).bounding_box()
    assert second["y"] > first["y"] and abs(second["x"] - first["x"]) < 2  # stacked: a day list on phones
    assert page.locator(f"a[href='/appointments/{appointment.pk}/']").is_visible()
    assert axe_violations(page) == []
    assert page.guard.external == [] and page.guard.csp_violations == []

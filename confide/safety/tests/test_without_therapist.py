"""A client with no therapist: what they are told when they escalate, and who closes their events.

Without an active care relationship nobody is the "treating therapist", so the client must not be
promised one, and on-call staff own the follow-up (docs/safety.md, "Who closes an event").
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from confide.accounts.services import start_care
from confide.core.testing.fixtures import logged_in
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent
from confide.safety import escalation
from confide.safety.models import Level, OnCallShift, SafetyEvent, Source

NOTE = {"note": "Phoned the client, safe with a friend tonight, GP appointment tomorrow."}
PHQ9_ITEMS = [f"q{i}" for i in range(1, 10)]


def raise_event(client_user, level=Level.HIGH) -> SafetyEvent:
    return escalation.escalate(
        RequestContext(user=client_user), client_user, source=Source.HELP_BUTTON, level=level, reasons=["r"]
    )


def close_url(event: SafetyEvent) -> str:
    return reverse("safety_event_close", kwargs={"event_id": event.pk})


# --- 1. what the client is told ------------------------------------------------------------


@pytest.mark.django_db
def test_help_now_without_therapist_names_only_the_on_call_team(as_client, client_user, staff):
    response = as_client.post(reverse("safety_help_now"), follow=True)
    page = response.content.decode()
    assert "Our on-call team has been told." in page
    assert "therapist has been told" not in page.lower()
    assert "your therapist and" not in page.lower()
    assert "alerted your therapist" not in page.lower()
    assert "988" in page  # the crisis resources are there too


@pytest.mark.django_db
def test_help_now_with_therapist_names_therapist_and_on_call_team(care, as_client, staff):
    page = as_client.post(reverse("safety_help_now"), follow=True).content.decode()
    assert "Your therapist and our on-call team have been told." in page
    assert "Someone will contact you." in page


@pytest.mark.django_db
def test_help_now_without_therapist_or_staff_promises_nobody(as_client, client_user):
    page = as_client.post(reverse("safety_help_now"), follow=True).content.decode()
    assert "has been told" not in page and "have been told" not in page
    assert "Someone will contact you" not in page
    assert "Nobody from our team could be reached right now." in page
    assert "988" in page


@pytest.mark.django_db
def test_help_button_text_does_not_promise_a_therapist_to_a_client_without_one(as_client, staff):
    page = as_client.get(reverse("safety_help_now")).content.decode()
    assert "alert your therapist" not in page
    assert "alert Confide’s on-call team" in page


@pytest.mark.django_db
def test_help_now_api_says_who_was_alerted(as_client, client_user, staff, therapist):
    assert as_client.post("/api/safety/help-now").json()["alerted"] == ["on_call"]
    SafetyEvent.objects.update(status=SafetyEvent.Status.CLOSED)
    start_care(client_user, therapist)
    assert as_client.post("/api/safety/help-now").json()["alerted"] == ["therapist", "on_call"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("with_therapist", "told"),
    [
        (False, "Our on-call team has been told"),
        (True, "Your therapist and our on-call team have been told"),
    ],
)
def test_cssrs_crisis_card_names_who_was_really_told(request, as_client, client_user, staff, with_therapist, told):
    if with_therapist:
        request.getfixturevalue("care")
    data = {**dict.fromkeys(PHQ9_ITEMS, "0"), "q9": "1", "submit": "1"}
    as_client.post(reverse("intake_measure", kwargs={"key": "phq9"}), data)
    page = as_client.get(reverse("intake_measure", kwargs={"key": "cssrs"})).content.decode()
    assert f"{told} that you may be going through a hard time." in page
    assert with_therapist or "therapist has been told" not in page.lower()


# --- 2. who closes the event ---------------------------------------------------------------


@pytest.mark.django_db
def test_on_call_staff_close_the_event_of_a_client_without_therapist(client_user, staff, as_staff):
    event = raise_event(client_user)
    page = as_staff.get(reverse("safety_event", kwargs={"event_id": event.pk})).content.decode()
    assert "Close event" in page and "has no therapist" in page
    assert as_staff.post(close_url(event), {"note": "short"}).status_code == 400
    assert as_staff.post(close_url(event), NOTE).status_code == 302
    event.refresh_from_db()
    assert (event.status, event.closed_by, event.close_note) == ("closed", staff, NOTE["note"])
    closes = AuditEvent.objects.filter(action="safety_event.close", object_id=str(event.pk))
    assert {(a.actor_id, a.outcome) for a in closes} == {(staff.pk, "allowed")}


@pytest.mark.django_db
def test_on_call_staff_close_through_the_api(client_user, staff, as_staff):
    event = raise_event(client_user)
    response = as_staff.post(f"/api/safety/events/{event.pk}/close", NOTE, content_type="application/json")
    assert (response.status_code, response.json()["status"]) == (200, "closed")


@pytest.mark.django_db
def test_close_without_therapist_refused_for_wrong_people(
    client_user, other_client, therapist, other_therapist, staff, other_staff, as_other_client
):
    event = raise_event(client_user)
    start_care(other_client, other_therapist)  # a therapist, but not this client's
    OnCallShift.objects.create(staff=staff)  # other_staff is not on call now
    assert logged_in(other_therapist).post(close_url(event), NOTE).status_code == 404
    assert logged_in(other_staff).post(close_url(event), NOTE).status_code == 404
    assert as_other_client.post(close_url(event), NOTE).status_code == 403
    assert logged_in(client_user).post(close_url(event), NOTE).status_code == 403
    api = logged_in(other_therapist).post(f"/api/safety/events/{event.pk}/close", NOTE, content_type="application/json")
    assert api.status_code == 404
    event.refresh_from_db()
    assert event.status == "open"


@pytest.mark.django_db
def test_close_form_not_shown_to_off_call_staff(client_user, staff, other_staff):
    event = raise_event(client_user)
    OnCallShift.objects.create(staff=staff)
    url = reverse("safety_event", kwargs={"event_id": event.pk})
    assert "Close event" in logged_in(staff).get(url).content.decode()
    assert logged_in(other_staff).get(url).status_code == 404


@pytest.mark.django_db
def test_staff_still_may_not_close_when_the_client_has_a_therapist(care, client_user, as_staff):
    event = raise_event(client_user)
    assert as_staff.post(close_url(event), NOTE).status_code == 403
    assert "Close event" not in as_staff.get(reverse("safety_event", kwargs={"event_id": event.pk})).content.decode()


@pytest.mark.django_db
def test_former_therapist_may_not_close_after_care_ended(care, client_user, therapist, as_therapist, as_staff):
    from confide.accounts.models import CareRelationship

    event = raise_event(client_user)
    CareRelationship.objects.filter(pk=care.pk).update(status=CareRelationship.Status.ENDED)
    assert as_therapist.post(close_url(event), NOTE).status_code == 404
    assert as_staff.post(close_url(event), NOTE).status_code == 302  # on-call staff own it now

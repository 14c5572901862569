"""Safety pages: "Get help now", alerts, events, on-call — and the wrong person refused on each."""

from __future__ import annotations

import pytest
from django.urls import reverse

from confide.privacy.audit import RequestContext
from confide.safety import escalation
from confide.safety.models import Alert, Level, SafetyEvent, Source

TEXT = "I want to end my life and I have the pills here"


def raise_event(client_user) -> SafetyEvent:
    return escalation.escalate(
        RequestContext(user=client_user),
        client_user,
        source=Source.TEXT_SCREENING,
        level=Level.HIGH,
        reasons=["Screening of message text: intent and means"],
        text=TEXT,
    )


@pytest.mark.django_db
def test_help_now_shows_the_clients_country_resources(as_client):
    page = as_client.get(reverse("safety_help_now")).content.decode()
    assert "988" in page and "911" in page
    assert "I need help now" in page


@pytest.mark.django_db
def test_help_now_for_a_client_in_the_uk(other_client):
    from confide.accounts.services import client_profile_for
    from confide.core.testing.fixtures import logged_in

    profile = client_profile_for(other_client)
    profile.jurisdiction = "GB"
    profile.save()
    page = logged_in(other_client).get(reverse("safety_help_now")).content.decode()
    assert "999" in page and "116 123" in page


@pytest.mark.django_db
def test_help_now_anonymous_gets_a_chooser_and_resources_by_country(client):
    page = client.get(reverse("safety_help_now")).content.decode()
    assert "Where are you?" in page and "I need help now" not in page
    chosen = client.get(reverse("safety_help_now"), {"country": "GB"}).content.decode()
    assert "Samaritans" in chosen


@pytest.mark.django_db
def test_help_now_bad_country_does_not_break(client):
    response = client.get(reverse("safety_help_now"), {"country": "<script>"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_help_now_button_escalates_and_confirms(care, as_client, client_user, therapist):
    response = as_client.post(reverse("safety_help_now"))
    assert response.status_code == 302
    event = SafetyEvent.objects.get(client=client_user)
    assert (event.source, event.level) == (Source.HELP_BUTTON, Level.HIGH)
    assert Alert.objects.filter(event=event, recipient=therapist).exists()
    page = as_client.get(reverse("safety_help_now")).content.decode()
    assert "Your therapist has been told." in page  # no staff account exists, so no on-call team is promised


@pytest.mark.django_db
def test_help_now_button_refused_for_clinicians_and_anonymous(client, as_therapist, as_staff):
    assert as_therapist.post(reverse("safety_help_now")).status_code == 403
    assert as_staff.post(reverse("safety_help_now")).status_code == 403
    assert client.post(reverse("safety_help_now")).status_code == 302
    assert SafetyEvent.objects.count() == 0


@pytest.mark.django_db
def test_alerts_page_and_badge_for_therapist(care, as_therapist, client_user):
    raise_event(client_user)
    page = as_therapist.get(reverse("safety_alerts")).content.decode()
    assert "High" in page and "Text screening" in page
    assert TEXT not in page  # the list shows no text
    badge = as_therapist.get(reverse("safety_alert_badge")).content.decode()
    assert ">1<" in badge


@pytest.mark.django_db
def test_alerts_pages_refuse_clients_and_anonymous(client, as_client):
    for name in ("safety_alerts", "safety_alert_badge"):
        assert as_client.get(reverse(name)).status_code == 403
        assert client.get(reverse(name)).status_code == 302


@pytest.mark.django_db
def test_alerts_list_has_bounded_queries(care, as_therapist, client_user, django_assert_max_num_queries):
    for _ in range(5):
        escalation.escalate(
            RequestContext(user=client_user), client_user, source=Source.THERAPIST, level=Level.HIGH, reasons=[]
        )
    with django_assert_max_num_queries(30):
        assert as_therapist.get(reverse("safety_alerts")).status_code == 200


@pytest.mark.django_db
def test_alerts_list_queries_do_not_grow_with_clients(therapist, as_therapist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from confide.accounts.services import start_care
    from confide.core.testing.fixtures import make_user

    def page_queries(count: int) -> int:
        for i in range(count):
            client = make_user(f"c{count}-{i}@example.test", "client")
            start_care(client, therapist)
            escalation.escalate(
                RequestContext(user=client), client, source=Source.THERAPIST, level=Level.HIGH, reasons=[]
            )
        with CaptureQueriesContext(connection) as queries:
            assert as_therapist.get(reverse("safety_alerts")).status_code == 200
        return len(queries)

    page_queries(1)  # warm-up: the first request of a session costs a few one-off queries
    assert page_queries(2) == page_queries(4)


@pytest.mark.django_db
def test_event_detail_therapist_sees_text_staff_sees_no_text(care, as_therapist, as_staff, client_user):
    event = raise_event(client_user)
    url = reverse("safety_event", kwargs={"event_id": event.pk})
    therapist_page = as_therapist.get(url).content.decode()
    assert TEXT in therapist_page and "Close event" in therapist_page
    staff_page = as_staff.get(url).content.decode()
    assert TEXT not in staff_page and "intent and means" not in staff_page
    assert "Close event" not in staff_page and "emergency access" in staff_page


@pytest.mark.django_db
def test_event_detail_refuses_other_therapist_and_client(care, as_other_therapist, as_client, client_user):
    event = raise_event(client_user)
    url = reverse("safety_event", kwargs={"event_id": event.pk})
    assert as_other_therapist.get(url).status_code == 404
    assert as_client.get(url).status_code == 403


@pytest.mark.django_db
def test_close_event_by_therapist_with_note(care, as_therapist, client_user):
    event = raise_event(client_user)
    url = reverse("safety_event_close", kwargs={"event_id": event.pk})
    assert as_therapist.post(url, {"note": "short"}).status_code == 400
    assert as_therapist.post(url, {"note": "Called the client, safety plan agreed, GP informed."}).status_code == 302
    event.refresh_from_db()
    assert event.status == "closed" and event.close_note.startswith("Called")


@pytest.mark.django_db
def test_close_event_refused_for_others(care, as_other_therapist, as_staff, as_client, client_user):
    event = raise_event(client_user)
    url = reverse("safety_event_close", kwargs={"event_id": event.pk})
    note = {"note": "I am closing this without being the therapist."}
    assert as_other_therapist.post(url, note).status_code == 404
    assert as_staff.post(url, note).status_code == 403
    assert as_client.post(url, note).status_code == 403
    event.refresh_from_db()
    assert event.status == "open"


@pytest.mark.django_db
def test_on_call_page_for_staff_only(as_staff, as_therapist, as_client, staff):
    assert as_therapist.get(reverse("safety_on_call")).status_code == 403
    assert as_client.get(reverse("safety_on_call")).status_code == 403
    assert as_staff.post(reverse("safety_on_call"), {"action": "start"}).status_code == 302
    assert escalation.on_call_staff() == [staff]
    assert "End my on-call shift" in as_staff.get(reverse("safety_on_call")).content.decode()
    as_staff.post(reverse("safety_on_call"), {"action": "end"})
    assert "Start my on-call shift" in as_staff.get(reverse("safety_on_call")).content.decode()

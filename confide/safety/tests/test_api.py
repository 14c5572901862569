"""Safety API: help-now, resources, events list and close — with wrong-role and wrong-owner checks."""

from __future__ import annotations

import pytest

from confide.privacy.audit import RequestContext
from confide.safety import escalation
from confide.safety.models import Level, SafetyEvent, Source


def raise_event(client_user) -> SafetyEvent:
    return escalation.escalate(
        RequestContext(user=client_user), client_user, source=Source.HELP_BUTTON, level=Level.HIGH, reasons=["r"]
    )


@pytest.mark.django_db
def test_help_now_api_escalates_and_returns_resources(care, as_client, client_user):
    response = as_client.post("/api/safety/help-now")
    assert response.status_code == 201
    body = response.json()
    assert body["level"] == "high"
    assert "988" in str(body["resources"])
    assert SafetyEvent.objects.get().pk.hex == body["event_id"].replace("-", "")


@pytest.mark.django_db
def test_help_now_api_refuses_clinicians_and_anonymous(client, as_therapist):
    assert as_therapist.post("/api/safety/help-now").status_code == 403
    assert client.post("/api/safety/help-now").status_code == 401


@pytest.mark.django_db
def test_resources_api_is_public(client):
    response = client.get("/api/safety/resources", {"country": "GB"})
    assert response.status_code == 200
    assert "Samaritans" in str(response.json())
    assert client.get("/api/safety/resources", {"country": "??"}).status_code == 200


@pytest.mark.django_db
def test_events_api_for_therapist_and_staff(care, as_therapist, as_other_therapist, as_staff, client_user):
    event = raise_event(client_user)
    assert [e["id"] for e in as_therapist.get("/api/safety/events").json()] == [str(event.pk)]
    assert as_other_therapist.get("/api/safety/events").json() == []
    assert [e["id"] for e in as_staff.get("/api/safety/events").json()] == [str(event.pk)]
    assert "reasons" not in as_staff.get("/api/safety/events").json()[0]


@pytest.mark.django_db
def test_events_api_refuses_clients(as_client):
    assert as_client.get("/api/safety/events").status_code == 403


@pytest.mark.django_db
def test_close_api(care, as_therapist, as_other_therapist, as_staff, as_client, client_user):
    event = raise_event(client_user)
    url = f"/api/safety/events/{event.pk}/close"
    note = {"note": "Spoke with the client; they are safe."}
    assert as_other_therapist.post(url, note, content_type="application/json").status_code == 404
    assert as_client.post(url, note, content_type="application/json").status_code == 404
    assert as_staff.post(url, note, content_type="application/json").status_code == 403
    assert as_therapist.post(url, {"note": "x"}, content_type="application/json").status_code == 422
    assert as_therapist.post(url, {**note, "extra": 1}, content_type="application/json").status_code == 422
    closed = as_therapist.post(url, note, content_type="application/json")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert as_therapist.post(url, note, content_type="application/json").status_code == 422

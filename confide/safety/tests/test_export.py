"""A client's "Download my data" lists the safety events about them — not the clinician's notes on them."""

from __future__ import annotations

import json

import pytest

from confide.core.testing.fixtures import download_my_data
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent
from confide.safety.escalation import close_safety_event, escalate, request_help_now
from confide.safety.models import Level, Source

pytestmark = pytest.mark.django_db

CLOSE_NOTE = "Called Casey, safety plan reviewed, seen tomorrow"


def screened(client, text: str):
    reasons = [f"Screening of message text: {text[:20]}"]
    return escalate(
        RequestContext(user=client), client, source=Source.TEXT_SCREENING, level=Level.LOW, reasons=reasons, text=text
    )


def test_export_lists_own_safety_events(as_client, client_user, therapist, care):
    closed = screened(client_user, "Casey wrote something worrying")
    close_safety_event(RequestContext(user=therapist), closed, CLOSE_NOTE)
    request_help_now(RequestContext(user=client_user), client_user)
    first, second = download_my_data(as_client)["safety"]["safety_events"]
    assert {k: v for k, v in first.items() if k not in ("created_at", "closed_at")} == {
        "level": "Low — for therapist review",
        "source": "Text screening",
        "status": "Closed",
    }
    assert first["closed_at"] is not None and first["created_at"] < second["created_at"]
    assert (second["level"], second["source"], second["status"], second["closed_at"]) == (
        "High",
        "“I need help now” button",
        "Open — needs follow-up",
        None,
    )


def test_export_leaves_out_the_therapists_close_note_and_reasons(as_client, client_user, therapist, care):
    event = screened(client_user, "Casey wrote something worrying")
    close_safety_event(RequestContext(user=therapist), event, CLOSE_NOTE)
    section = json.dumps(download_my_data(as_client)["safety"], ensure_ascii=False)
    assert CLOSE_NOTE not in section
    assert "Screening of message text" not in section


def test_export_leaves_out_another_clients_safety_events(as_client, client_user, other_client):
    request_help_now(RequestContext(user=other_client), other_client)
    screened(other_client, "Olive wrote something worrying")
    assert download_my_data(as_client)["safety"] == {"safety_events": []}


def test_export_audits_each_safety_event(as_client, client_user):
    event = request_help_now(RequestContext(user=client_user), client_user)
    download_my_data(as_client)
    [audit] = AuditEvent.objects.filter(action="safety_event.export")
    assert (audit.subject_ref, audit.object_id) == (str(client_user.pk), str(event.pk))


def test_export_of_client_without_safety_events_has_an_empty_section(as_client):
    assert download_my_data(as_client)["safety"] == {"safety_events": []}

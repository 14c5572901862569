"""A client's "Download my data" lists their appointments in their own zone, with the therapist's name."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from confide.core.testing.fixtures import download_my_data
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent
from confide.scheduling.models import AppointmentKind
from confide.scheduling.services.booking import cancel_appointment
from confide.scheduling.tests.conftest import book, open_slots

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def test_export_lists_appointments_in_the_clients_zone(as_client, ready_client, practice):
    booked = book(ready_client, practice, note="Prefer to talk about sleep")
    scheduling = download_my_data(as_client)["scheduling"]
    [row] = scheduling["appointments"]
    start, end = datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])
    assert (start, end) == (booked.start_at, booked.end_at)
    assert start.utcoffset() == booked.start_at.astimezone(NEW_YORK).utcoffset()
    assert scheduling["time_zone"] == "America/New_York"
    assert {k: row[k] for k in ("with", "type", "modality", "status", "my_note", "cancelled_by")} == {
        "with": "Dr Tess Rivera",
        "type": "Intake",
        "modality": "Video",
        "status": "Confirmed",
        "my_note": "Prefer to talk about sleep",
        "cancelled_by": None,
    }


def test_export_shows_cancellation_and_its_reason(as_client, ready_client, practice):
    booked = book(ready_client, practice)
    cancel_appointment(RequestContext(user=ready_client), booked, reason="Travelling that week")
    [row] = download_my_data(as_client)["scheduling"]["appointments"]
    assert (row["status"], row["cancelled_by"], row["cancel_reason"]) == ("Cancelled", "you", "Travelling that week")
    assert row["cancelled_at"] is not None


def test_export_leaves_out_another_clients_appointments(
    as_client, ready_client, ready_other_client, practice, other_practice
):
    slots = open_slots(practice, viewer=ready_client)
    mine = book(ready_client, practice, slots[0])
    book(ready_other_client, practice, slots[3], note="Olive's private note")
    book(ready_other_client, other_practice, note="Olive again")
    data = download_my_data(as_client)
    assert [datetime.fromisoformat(a["start"]) for a in data["scheduling"]["appointments"]] == [mine.start_at]
    assert "Olive" not in json.dumps(data, ensure_ascii=False)
    assert "Dr Omar Haddad" not in json.dumps(data, ensure_ascii=False)


def test_export_audits_each_appointment(as_client, ready_client, practice):
    book(ready_client, practice)
    book(ready_client, practice, kind=AppointmentKind.THERAPY)
    download_my_data(as_client)
    assert AuditEvent.objects.filter(action="appointment.export", subject_ref=str(ready_client.pk)).count() == 2


def test_export_of_client_without_appointments_has_empty_sections(as_client):
    assert download_my_data(as_client)["scheduling"] == {
        "time_zone": "America/New_York",
        "appointments": [],
        "waitlist": [],
    }

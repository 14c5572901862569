"""/api/scheduling/: slots, book, reschedule, cancel, list — errors are 4xx with a sentence, never half-written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from confide.scheduling.models import Appointment, Status
from confide.scheduling.tests.conftest import book, open_slots, type_of

pytestmark = pytest.mark.django_db
API = "/api/scheduling"


@pytest.fixture
def api_client(as_client, ready_client):
    return as_client


def slots_url(therapist) -> str:
    return f"{API}/therapists/{therapist.pk}/slots"


def book_body(therapist, start, **extra) -> dict:
    return {
        "therapist_id": str(therapist.pk),
        "appointment_type_id": str(type_of(therapist).pk),
        "start": start,
        **extra,
    }


def test_schema_lists_every_endpoint(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/therapists/{therapist_id}/slots",
        "/appointments",
        "/appointments/{appointment_id}",
        "/appointments/{appointment_id}/reschedule",
        "/appointments/{appointment_id}/cancel",
        "/appointments/{appointment_id}/cancellation-terms",
        "/therapists/{therapist_id}/appointment-types",
    ):
        assert f"/api/scheduling{path}" in paths


def test_slots_are_labelled_in_the_requested_zone(api_client, practice):
    start = (timezone.now() + timedelta(days=2)).isoformat()
    kolkata = api_client.get(
        slots_url(practice), {"appointment_type_id": type_of(practice).pk, "start": start, "tz": "Asia/Kolkata"}
    ).json()
    utc = api_client.get(
        slots_url(practice), {"appointment_type_id": type_of(practice).pk, "start": start, "tz": "UTC"}
    ).json()
    assert kolkata["time_zone"] == "Asia/Kolkata"
    assert [s["start"] for s in kolkata["slots"]] == [s["start"] for s in utc["slots"]]
    assert kolkata["slots"][0]["label"].endswith("(Asia/Kolkata)")
    assert kolkata["slots"][0]["local_start"].endswith("+05:30")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tz": "Mars/Olympus"}, "not a known time zone"),
        ({"start": "tomorrow at noon"}, "Invalid request"),
        ({"start": "2026-03-08T10:00:00"}, "UTC offset"),
        ({"start": "2026-03-08T10:00:00Z", "end": "2026-03-01T10:00:00Z"}, "after its start"),
        ({"start": "2026-03-08T10:00:00Z", "end": "2027-03-01T10:00:00Z"}, "at most 92 days"),
    ],
)
def test_slots_bad_input_is_422(api_client, practice, params, message):
    response = api_client.get(slots_url(practice), {"appointment_type_id": type_of(practice).pk, **params})
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_slots_of_unknown_therapist_is_404(api_client, practice, client_user):
    response = api_client.get(f"{API}/therapists/{client_user.pk}/slots", {"appointment_type_id": type_of(practice).pk})
    assert response.status_code == 404


def test_book_list_reschedule_cancel(api_client, practice, ready_client):
    slots = open_slots(practice, viewer=ready_client)
    response = api_client.post(
        f"{API}/appointments",
        book_body(practice, slots[0].start.isoformat(), note="private"),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "confirmed" and created["time_zone"] == "America/New_York"
    assert "note" not in created
    listed = api_client.get(f"{API}/appointments").json()
    assert [a["id"] for a in listed] == [created["id"]]
    terms = api_client.get(f"{API}/appointments/{created['id']}/cancellation-terms").json()
    assert terms["late_cancel_hours"] == 24 and "text" in terms
    target = next(s for s in open_slots(practice, viewer=ready_client, offset_days=4) if s.start > slots[0].end)
    moved = api_client.post(
        f"{API}/appointments/{created['id']}/reschedule",
        {"start": target.start.isoformat()},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["start"].startswith(target.start.strftime("%Y-%m-%dT%H:%M"))
    cancelled = api_client.post(
        f"{API}/appointments/{created['id']}/cancel", {"reason": "busy"}, content_type="application/json"
    )
    assert cancelled.json()["status"] == "cancelled"
    again = api_client.post(f"{API}/appointments/{created['id']}/cancel", {}, content_type="application/json")
    assert again.status_code == 422 and "cancelled" in again.json()["detail"]
    assert api_client.get(f"{API}/appointments", {"scope": "past"}).json()[0]["status"] == "cancelled"


def test_double_booking_is_409(api_client, practice, ready_client, ready_other_client):
    slot = open_slots(practice, viewer=ready_client)[0]
    book(ready_other_client, practice, slot)
    response = api_client.post(
        f"{API}/appointments", book_body(practice, slot.start.isoformat()), content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "That time was just taken — please choose another."


@pytest.mark.parametrize(
    ("start", "extra", "status", "message"),
    [
        ("2020-01-01T10:00:00Z", {}, 422, "in the past"),
        ("not-a-time", {}, 422, "Invalid request"),
        ("2030-01-01T10:00:00", {}, 422, "UTC offset"),
        (None, {"modality": "telepathy"}, 422, "Invalid request"),
        (None, {"extra_field": 1}, 422, "Invalid request"),
        (None, {"note": "x" * 2001}, 422, "Invalid request"),
        ("OFFGRID", {}, 422, "not offered"),
    ],
)
def test_book_bad_input_writes_nothing(api_client, practice, ready_client, start, extra, status, message):
    slot = open_slots(practice, viewer=ready_client)[0]
    if start is None:
        start = slot.start.isoformat()
    elif start == "OFFGRID":
        start = (slot.start + timedelta(minutes=7)).isoformat()
    response = api_client.post(
        f"{API}/appointments", book_body(practice, start, **extra), content_type="application/json"
    )
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert Appointment.objects.count() == 0


def test_book_with_foreign_appointment_type_is_422(api_client, practice, other_practice, ready_client):
    slot = open_slots(practice, viewer=ready_client)[0]
    body = book_body(practice, slot.start.isoformat())
    body["appointment_type_id"] = str(type_of(other_practice).pk)
    response = api_client.post(f"{API}/appointments", body, content_type="application/json")
    assert response.status_code == 422


def test_therapist_cannot_book_via_api(as_therapist, practice, ready_client):
    slot = open_slots(practice, viewer=ready_client)[0]
    response = as_therapist.post(
        f"{API}/appointments", book_body(practice, slot.start.isoformat()), content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["as_other_client", "as_other_therapist"])
def test_someone_elses_appointment_is_404_everywhere(request, practice, ready_client, persona):
    appointment = book(ready_client, practice)
    http = request.getfixturevalue(persona)
    base = f"{API}/appointments/{appointment.pk}"
    assert http.get(base).status_code == 404
    assert http.get(f"{base}/cancellation-terms").status_code == 404
    assert http.post(f"{base}/cancel", {}, content_type="application/json").status_code == 404
    later = (appointment.start_at + timedelta(days=1)).isoformat()
    assert http.post(f"{base}/reschedule", {"start": later}, content_type="application/json").status_code == 404
    assert http.get(f"{API}/appointments").json() == []
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED and appointment.sequence == 0


def test_unknown_appointment_is_404(api_client):
    import uuid

    assert api_client.get(f"{API}/appointments/{uuid.uuid4()}").status_code == 404
    assert api_client.get(f"{API}/appointments/not-a-uuid").status_code == 422


def test_therapist_sees_and_cancels_own_appointment(as_therapist, practice, ready_client):
    appointment = book(ready_client, practice)
    assert [a["id"] for a in as_therapist.get(f"{API}/appointments").json()] == [str(appointment.pk)]
    response = as_therapist.post(f"{API}/appointments/{appointment.pk}/cancel", {}, content_type="application/json")
    assert response.json()["status"] == "cancelled" and response.json()["fee_due"] == "0.00"


def test_anonymous_is_401(client, practice):
    assert client.get(f"{API}/appointments").status_code == 401

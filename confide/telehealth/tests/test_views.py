"""The visit page, start/end/backup actions and the API: participants only, at the right time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from confide.core.testing.fixtures import logged_in
from confide.privacy.models import AuditEvent
from confide.scheduling.models import Status
from confide.telehealth.models import JoinToken, Visit
from confide.telehealth.tests.conftest import license_therapist, make_appointment, make_ready

pytestmark = pytest.mark.django_db


def room(appointment) -> str:
    return reverse("visit_room", args=[appointment.pk])


def test_visit_page_for_client_mints_one_token_and_shows_fallback_plan(as_client, appointment):
    response = as_client.get(room(appointment))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-token="' in page
    assert "your therapist will call the phone number in your emergency plan" in page
    assert JoinToken.objects.filter(user=appointment.client).count() == 1
    assert "<script>" not in page and "style=" not in page


def test_visit_page_for_therapist_shows_emergency_plan_and_audits_the_read(as_therapist, appointment):
    page = as_therapist.get(room(appointment)).content.decode()
    assert "+1 518 555 0100" in page and "Robin" in page
    # the consent's fallback is written to the client: the therapist reads it as what the client agreed to
    assert "The client agreed to this in their telehealth consent:" in page
    actions = set(AuditEvent.objects.filter(actor=appointment.therapist).values_list("action", flat=True))
    assert {"visit.open", "visit.token", "visit.emergency_details", "emergency_plan.view"} <= actions


@pytest.mark.parametrize("who", ["as_other_client", "as_other_therapist", "as_staff"])
def test_visit_page_refuses_anyone_else_with_404(request, who, appointment):
    http = request.getfixturevalue(who)
    assert http.get(room(appointment)).status_code == 404
    assert JoinToken.objects.count() == 0


def test_visit_page_for_missing_appointment_is_the_same_404(as_other_client, appointment):
    import uuid

    assert as_other_client.get(reverse("visit_room", args=[uuid.uuid4()])).status_code == 404


def test_visit_page_before_the_room_opens_is_refused_without_token(as_client, client_user, therapist):
    make_ready(client_user)
    early = make_appointment(client_user, therapist, starts_in=timedelta(minutes=30))
    response = as_client.get(room(early))
    assert response.status_code == 403
    assert "opens 10 minutes before" in response.content.decode()
    assert JoinToken.objects.count() == 0


def test_visit_page_long_after_the_end_is_refused(as_client, client_user, therapist):
    make_ready(client_user)
    past = make_appointment(client_user, therapist, starts_in=timedelta(hours=-3))
    assert as_client.get(room(past)).status_code == 403


def test_visit_page_of_cancelled_appointment_is_refused(as_client, client_user, therapist):
    make_ready(client_user)
    cancelled = make_appointment(client_user, therapist, status=Status.CANCELLED)
    response = as_client.get(room(cancelled))
    assert response.status_code == 403
    assert "cancelled" in response.content.decode()


def test_chat_appointment_has_no_visit_room(as_client, client_user, therapist):
    make_ready(client_user)
    chat = make_appointment(client_user, therapist, modality="chat")
    assert as_client.get(room(chat)).status_code == 403


def test_client_without_consent_is_sent_to_sign_it(as_client, client_user, therapist):
    appointment = make_appointment(client_user, therapist)
    response = as_client.get(room(appointment))
    assert response.status_code == 403
    assert reverse("intake_consent") in response.content.decode()


def test_start_requires_location_and_emergency_contact(as_therapist, appointment):
    url = reverse("visit_start", args=[appointment.pk])
    response = as_therapist.post(url, {"jurisdiction": "", "emergency_contact_confirmed": ""})
    assert response.status_code == 422
    assert Visit.objects.get(appointment=appointment).started_at is None
    response = as_therapist.post(url, {"jurisdiction": "US-NY"})
    assert response.status_code == 422
    assert "emergency contact" in response.content.decode()


def test_start_outside_licensure_warns_and_records_but_starts(as_therapist, appointment):
    url = reverse("visit_start", args=[appointment.pk])
    response = as_therapist.post(url, {"jurisdiction": "US-TX", "emergency_contact_confirmed": "on"})
    assert response.status_code == 200
    assert "outside your licensure" in response.content.decode()
    visit = Visit.objects.get(appointment=appointment)
    assert visit.started_at is not None and visit.outside_licensure is True and visit.location == "US-TX"
    assert AuditEvent.objects.filter(action="visit.outside_licensure", object_id=str(visit.pk)).count() == 1


def test_start_inside_licensure_has_no_warning(as_therapist, appointment):
    url = reverse("visit_start", args=[appointment.pk])
    response = as_therapist.post(url, {"jurisdiction": "US-NY", "emergency_contact_confirmed": "on"})
    assert "outside your licensure" not in response.content.decode()
    assert AuditEvent.objects.filter(action="visit.outside_licensure").count() == 0


def test_client_cannot_start_end_or_see_backup_phone(as_client, appointment):
    as_client.get(room(appointment))
    start = as_client.post(
        reverse("visit_start", args=[appointment.pk]), {"jurisdiction": "US-NY", "emergency_contact_confirmed": "on"}
    )
    end = as_client.post(reverse("visit_end", args=[appointment.pk]))
    backup = as_client.get(reverse("visit_backup_phone", args=[appointment.pk]))
    assert (start.status_code, end.status_code, backup.status_code) == (404, 404, 404)


def test_end_before_start_is_refused(as_therapist, appointment):
    response = as_therapist.post(reverse("visit_end", args=[appointment.pk]))
    assert response.status_code == 409
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_end_records_actual_times_and_completes(as_therapist, appointment):
    as_therapist.post(
        reverse("visit_start", args=[appointment.pk]), {"jurisdiction": "US-NY", "emergency_contact_confirmed": "on"}
    )
    response = as_therapist.post(reverse("visit_end", args=[appointment.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("appointment_detail", args=[appointment.pk])
    appointment.refresh_from_db()
    visit = Visit.objects.get(appointment=appointment)
    assert appointment.status == Status.COMPLETED
    assert appointment.actual_start_at == visit.started_at and appointment.actual_end_at == visit.ended_at
    assert appointment.actual_minutes == 0
    # the policy decision and the write are both in the log (house pattern, as booking.set_status)
    assert list(AuditEvent.objects.filter(action="appointment.visit_recorded").values_list("outcome", flat=True)) == [
        "allowed",
        "allowed",
    ]


def test_backup_phone_for_therapist_is_audited(as_therapist, appointment):
    response = as_therapist.get(reverse("visit_backup_phone", args=[appointment.pk]))
    assert response.status_code == 200
    assert "+1 518 555 0199" in response.content.decode()
    assert AuditEvent.objects.filter(action="visit.emergency_details", outcome="allowed").count() == 1


def test_backup_phone_is_only_there_while_the_room_is_open(as_therapist, client_user, therapist):
    make_ready(client_user)
    license_therapist(therapist, "US-NY")
    tomorrow = make_appointment(client_user, therapist, starts_in=timedelta(days=1))
    response = as_therapist.get(reverse("visit_backup_phone", args=[tomorrow.pk]))
    assert response.status_code == 404
    assert "+1 518 555 0199" not in response.content.decode()
    denied = AuditEvent.objects.get(action="visit.emergency_details")
    assert denied.outcome == "denied"


def test_join_link_appears_from_ten_minutes_before(as_client, client_user, therapist):
    make_ready(client_user)
    soon = make_appointment(client_user, therapist, starts_in=timedelta(minutes=9), minutes=1)
    later = make_appointment(client_user, therapist, starts_in=timedelta(minutes=11))
    assert "Join visit" in as_client.get(reverse("appointment_detail", args=[soon.pk])).content.decode()
    assert "Join visit" not in as_client.get(reverse("appointment_detail", args=[later.pk])).content.decode()


def test_therapist_sees_open_waiting_room_link_in_week_and_dashboard(as_therapist, appointment):
    from confide.scheduling.availability import zone_of

    # The appointment's own week in the therapist's zone: the current week (the page's default) does not
    # contain it when the test runs in the last minutes of a Sunday there.
    week = appointment.start_at.astimezone(zone_of(appointment.therapist)).date().isoformat()
    assert "Open waiting room" in as_therapist.get(reverse("schedule_week"), {"week": week}).content.decode()
    assert "Visits open now" in as_therapist.get(reverse("dashboard")).content.decode()


# --- API ---------------------------------------------------------------------------------------------


def api(path: str) -> str:
    return f"/api/telehealth{path}"


def test_api_status_and_ice_for_participants(as_client, appointment, settings):
    settings.TURN_URLS, settings.TURN_SECRET, settings.STUN_URLS = (
        ["turn:turn.example.test:3478"],
        "s3cret",
        ["stun:stun.example.test:3478"],
    )
    status = as_client.get(api(f"/visits/{appointment.pk}"))
    assert status.status_code == 200 and status.json()["can_join"] is True
    ice = as_client.get(api(f"/visits/{appointment.pk}/ice-servers")).json()["ice_servers"]
    assert ice[0] == {"urls": ["stun:stun.example.test:3478"], "username": None, "credential": None}
    assert ice[1]["username"].endswith(":" + str(appointment.client.pk))


API_ENDPOINTS = [("get", ""), ("get", "/ice-servers"), ("post", "/join-token"), ("post", "/admit"), ("post", "/end")]


@pytest.mark.parametrize("who", ["as_other_client", "as_other_therapist", "as_staff"])
def test_api_refuses_anyone_else(request, who, appointment, settings):
    settings.TURN_URLS, settings.TURN_SECRET = ["turn:turn.example.test:3478"], "s3cret"
    http = request.getfixturevalue(who)
    for method, path in API_ENDPOINTS:
        response = getattr(http, method)(api(f"/visits/{appointment.pk}{path}"))
        assert (path, response.status_code) == (path, 404)
        assert "credential" not in response.content.decode()
    assert JoinToken.objects.count() == 0


def test_api_client_cannot_admit_or_end(as_client, appointment):
    assert as_client.post(api(f"/visits/{appointment.pk}/admit")).status_code == 404
    assert as_client.post(api(f"/visits/{appointment.pk}/end")).status_code == 404


def test_api_join_token_refused_outside_the_window(client_user, therapist):
    make_ready(client_user)
    early = make_appointment(client_user, therapist, starts_in=timedelta(hours=2))
    response = logged_in(client_user).post(api(f"/visits/{early.pk}/join-token"))
    assert response.status_code == 404


def test_api_therapist_admits_and_ends(as_therapist, appointment):
    assert as_therapist.post(api(f"/visits/{appointment.pk}/admit")).json()["admitted"] is True
    response = as_therapist.post(api(f"/visits/{appointment.pk}/end"))
    assert response.status_code == 422
    assert "has not started" in response.json()["detail"]


def test_audio_visit_has_no_camera(as_client, audio_appointment):
    page = as_client.get(room(audio_appointment)).content.decode()
    assert "Audio visit with" in page
    assert 'id="camera-select"' not in page and 'id="camera"' not in page and 'id="mic-select"' in page


def test_export_contains_visit_chat_and_segments(client_user, therapist, appointment):
    from confide.privacy.audit import RequestContext
    from confide.telehealth.export import collect
    from confide.telehealth.services import lifecycle, live

    ctx = RequestContext(user=therapist)
    visit = lifecycle.visit_for(appointment)
    lifecycle.admit_client(ctx, visit)
    live.send_chat(RequestContext(user=client_user), visit, "Can you hear me?")
    exported = collect(RequestContext(user=client_user), client_user)["visits"]
    assert [m["text"] for m in exported[0]["chat"]] == ["Can you hear me?"]
    assert AuditEvent.objects.filter(action="visit.export", subject_ref=str(client_user.pk)).count() == 1


def test_join_token_flood_is_refused_with_a_sentence(as_client, appointment):
    url = api(f"/visits/{appointment.pk}/join-token")
    statuses = [as_client.post(url).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [422]
    page = as_client.get(room(appointment))
    assert page.status_code == 429 and "Too many attempts" in page.content.decode()


def test_actual_minutes_round_half_up():
    from datetime import UTC, datetime

    from confide.scheduling.services.visits import actual_minutes_between

    start = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert [actual_minutes_between(start, start + timedelta(seconds=s)) for s in (0, 29, 30, 89, 90, 3179)] == [
        0,
        0,
        1,
        1,
        2,
        53,
    ]


# --- review regressions ---------------------------------------------------------------------------


def test_admit_and_start_are_refused_for_a_cancelled_or_long_past_appointment(client_user, therapist):
    make_ready(client_user)
    cancelled = make_appointment(client_user, therapist, status="cancelled")
    past = make_appointment(client_user, therapist, starts_in=timedelta(days=-3))
    http = logged_in(therapist)
    for appointment in (cancelled, past):
        response = http.post(api(f"/visits/{appointment.pk}/admit"))
        assert response.status_code == 422, response.content
        assert "closed" in response.json()["detail"]
        start = http.post(
            f"/visits/{appointment.pk}/start/", {"jurisdiction": "US-NY", "emergency_contact_confirmed": "on"}
        )
        assert start.status_code == 422 and "closed" in start.content.decode()
    assert Visit.objects.filter(admitted_at__isnull=False).count() == 0
    assert Visit.objects.filter(started_at__isnull=False).count() == 0


def test_ice_servers_only_while_the_room_is_open(client_user, therapist, settings):
    settings.TURN_URLS, settings.TURN_SECRET = ["turn:turn.example.test:3478"], "s3cret"
    make_ready(client_user)
    past = make_appointment(client_user, therapist, starts_in=timedelta(days=-3))
    response = logged_in(client_user).get(api(f"/visits/{past.pk}/ice-servers"))
    assert response.status_code == 404 and "credential" not in response.content.decode()

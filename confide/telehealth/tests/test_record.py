"""An ended visit's page: when it actually ran, for how long, and how the two were connected — participants only."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from confide.core.times import format_local, zone_name
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent
from confide.telehealth.models import Visit
from confide.telehealth.services import lifecycle, live, record

pytestmark = pytest.mark.django_db

VIDEO = {"connected": True, "audio": True, "video": True}
CAMERA_OFF = {"connected": True, "audio": True, "video": False}
LOST = {"connected": False}


def room(appointment) -> str:
    return reverse("visit_room", args=[appointment.pk])


@pytest.fixture
def t0():
    return timezone.now().replace(microsecond=0) + timedelta(minutes=5)


@pytest.fixture
def held(appointment, t0):
    """A visit as the call recorded it: connected, camera off, connection lost, reconnected, ended after 50 min."""
    client, therapist = RequestContext(user=appointment.client), RequestContext(user=appointment.therapist)
    visit = lifecycle.open_visit(therapist, appointment)
    visit = lifecycle.admit_client(therapist, visit, now=t0)
    live.report_media(client, visit, VIDEO, now=t0 + timedelta(seconds=10))  # the therapist is not on yet: chat
    live.report_media(therapist, visit, VIDEO, now=t0 + timedelta(seconds=12))
    lifecycle.start_visit(
        therapist, visit, jurisdiction="US-NY", emergency_contact_confirmed=True, now=t0 + timedelta(minutes=1)
    )
    live.report_media(client, visit, CAMERA_OFF, now=t0 + timedelta(minutes=20))
    live.report_media(client, visit, LOST, now=t0 + timedelta(minutes=25))
    live.report_media(client, visit, VIDEO, now=t0 + timedelta(minutes=26))
    return lifecycle.end_visit(therapist, visit, now=t0 + timedelta(minutes=50, seconds=20))


def _rows(page: str) -> list[list[str]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
    ]


def _clock(instant, zone) -> str:
    return f"{instant.astimezone(zone):%H:%M:%S}"


def test_the_therapist_sees_actual_times_duration_and_segments_in_their_zone(as_therapist, held, t0):
    response = as_therapist.get(room(held.appointment))
    assert response.status_code == 200
    page = response.content.decode()
    zone = ZoneInfo(held.appointment.therapist.time_zone)
    assert format_local(t0 + timedelta(minutes=1), zone) in page  # started: location confirmed
    assert format_local(t0 + timedelta(minutes=50, seconds=20), zone) in page  # ended
    assert "49 minutes" in page
    assert f"times in {zone_name(zone)}" in page
    at = lambda minutes, seconds=0: _clock(t0 + timedelta(minutes=minutes, seconds=seconds), zone)  # noqa: E731
    assert _rows(page) == [
        [at(0, 10), at(0, 12), "2 s", "Chat only (no media connection)", "—"],
        [at(0, 12), at(20), "19 min 48 s", "Audio and video", "Call connected"],
        [at(20), at(25), "5 min", "Audio only", "Switched to audio only"],
        [at(25), at(26), "1 min", "Chat only (no media connection)", "Connection lost: chat only"],
        [at(26), at(50, 20), "24 min 20 s", "Audio and video", "Reconnected"],
    ]


def test_the_client_sees_the_same_record_in_their_own_zone(as_client, client_user, held, t0):
    client_user.time_zone = "Europe/Berlin"
    client_user.save(update_fields=["time_zone"])
    page = as_client.get(room(held.appointment)).content.decode()
    berlin = ZoneInfo("Europe/Berlin")
    assert format_local(t0 + timedelta(minutes=1), berlin) in page
    assert "(Europe/Berlin)" in page and "America/New" not in page
    assert _rows(page)[4][:2] == [_clock(t0 + timedelta(minutes=26), berlin), _clock(held.ended_at, berlin)]


def test_the_record_counts_reconnections_and_falls_back_to_audio(held):
    summary = record.visit_record(RequestContext(user=held.appointment.therapist), held)
    assert (summary.reconnections, summary.fallbacks, summary.minutes) == (1, 1, 49)
    assert summary.seconds_by_modality == {"video": 19 * 60 + 48 + 24 * 60 + 20, "audio": 300, "chat": 62}


def test_opening_the_record_is_audited(as_client, held):
    as_client.get(room(held.appointment))
    actions = list(
        AuditEvent.objects.filter(actor=held.appointment.client, outcome="allowed").values_list("action", flat=True)
    )
    assert actions[-2:] == ["visit.open", "visit.record_view"]


@pytest.mark.parametrize("who", ["as_other_client", "as_other_therapist", "as_staff"])
def test_anyone_else_gets_the_same_404_as_for_no_visit(request, who, held):
    response = request.getfixturevalue(who).get(room(held.appointment))
    assert response.status_code == 404
    assert "Chat only" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="visit.record_view", outcome="allowed").exists()


def test_the_service_refuses_a_stranger_with_404_and_audits_it(held, other_therapist):
    with pytest.raises(Http404):
        record.visit_record(RequestContext(user=other_therapist), held)
    denied = AuditEvent.objects.get(action="visit.record_view")
    assert (denied.outcome, denied.actor_id) == ("denied", other_therapist.pk)


def test_a_visit_that_has_not_ended_has_no_record_yet(as_therapist, appointment):
    visit = lifecycle.open_visit(RequestContext(user=appointment.therapist), appointment)
    with pytest.raises(ValidationError):
        record.visit_record(RequestContext(user=appointment.therapist), visit)
    assert 'data-token="' in as_therapist.get(room(appointment)).content.decode()  # still the live room


def test_a_visit_ended_before_any_connection_says_so(as_therapist, appointment, t0):
    therapist = RequestContext(user=appointment.therapist)
    visit = lifecycle.open_visit(therapist, appointment)
    lifecycle.start_visit(therapist, visit, jurisdiction="US-NY", emergency_contact_confirmed=True, now=t0)
    lifecycle.end_visit(therapist, visit, now=t0 + timedelta(minutes=3))
    page = as_therapist.get(room(appointment)).content.decode()
    assert "3 minutes" in page and "No connection was recorded" in page
    assert Visit.objects.get(pk=visit.pk).state == Visit.State.ENDED


def test_the_appointment_links_to_the_record_once_the_visit_ended(as_client, held):
    page = as_client.get(reverse("appointment_detail", args=[held.appointment.pk])).content.decode()
    assert f'href="{room(held.appointment)}">Visit record</a>' in page
    assert "Join visit" not in page

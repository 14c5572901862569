"""A "video first" jurisdiction rule (the seeded Arkansas audio rule): booking and the pages agree.

The rule is judged at the session's start: a video session booked for Thursday
opens audio from the end of Thursday's session — not before, and not for the
whole page because a video session exists somewhere in the next weeks.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from confide.accounts.models import Role
from confide.core.testing.fixtures import logged_in, make_user
from confide.scheduling.models import AppointmentKind, JurisdictionRule, Status
from confide.scheduling.tests.conftest import book_at, license_therapist, open_practice, sign_consent

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
ARKANSAS_AUDIO = "In Arkansas your first session with a therapist must be by video before audio-only sessions."


@pytest.fixture
def ari():
    """A consenting client in Arkansas, whose seeded rule asks for a video session before audio ones."""
    client = make_user("ari@example.test", Role.CLIENT, jurisdiction="US-AR", time_zone="America/Chicago")
    sign_consent(client)
    return client


@pytest.fixture
def arkansas_practice(therapist):
    license_therapist(therapist, "US-AR")
    open_practice(therapist, start=time(8), end=time(20))
    return therapist


def chicago_day(offset: int) -> date:
    return timezone.now().astimezone(CHICAGO).date() + timedelta(days=offset)


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), CHICAGO)


def book(client, therapist, start, modality, kind=AppointmentKind.THERAPY):
    return book_at(client, therapist, start, modality=modality, kind=kind, now=timezone.now())


def audio_booking_page(client, therapist) -> str:
    url = reverse("book_with_therapist", args=[therapist.pk])
    return logged_in(client).get(url, {"modality": "audio", "from": chicago_day(1).isoformat()}).content.decode()


def offered_starts(page: str) -> set[datetime]:
    return {datetime.fromisoformat(unquote(s)) for s in re.findall(r"start=([^\"&]+)", page)}


def test_the_rule_is_seeded_for_arkansas_audio():
    assert JurisdictionRule.objects.filter(
        jurisdiction="US-AR", modality="audio", kind="requires_prior_video", explanation=ARKANSAS_AUDIO
    ).exists()


def test_audio_is_refused_before_any_video_session(ari, arkansas_practice):
    with pytest.raises(ValidationError) as refused:
        book(ari, arkansas_practice, at(chicago_day(3), 10), "audio", kind=AppointmentKind.INTAKE)
    assert refused.value.message_dict["modality"] == [f"Audio call is not available: {ARKANSAS_AUDIO}"]


def test_a_booked_video_session_opens_audio_from_its_end_and_not_before(ari, arkansas_practice):
    video = book(ari, arkansas_practice, at(chicago_day(3), 10), "video", kind=AppointmentKind.INTAKE)

    with pytest.raises(ValidationError, match="must be by video"):
        book(ari, arkansas_practice, at(chicago_day(2), 10), "audio")
    assert book(ari, arkansas_practice, video.end_at + timedelta(minutes=30), "audio").modality == "audio"


def test_the_booking_page_offers_audio_only_from_the_video_sessions_end(ari, arkansas_practice):
    video = book(ari, arkansas_practice, at(chicago_day(3), 10), "video", kind=AppointmentKind.INTAKE)
    page = audio_booking_page(ari, arkansas_practice)

    offered = offered_starts(page)
    assert offered, "audio is offered after the video session"
    assert min(offered) >= video.end_at
    assert at(chicago_day(4), 10) in offered
    assert f"Audio call is not available: {ARKANSAS_AUDIO}" in page  # why the earlier days are empty
    earliest = min(offered)
    assert book(ari, arkansas_practice, earliest, "audio").start_at == earliest


def test_a_completed_video_session_opens_audio_on_every_day(ari, arkansas_practice):
    video = book(ari, arkansas_practice, at(chicago_day(3), 10), "video", kind=AppointmentKind.INTAKE)
    type(video).objects.filter(pk=video.pk).update(status=Status.COMPLETED)  # as if it had taken place
    page = audio_booking_page(ari, arkansas_practice)

    assert at(chicago_day(2), 10) in offered_starts(page)
    assert "Audio call is not available" not in page
    assert book(ari, arkansas_practice, at(chicago_day(2), 10), "audio").modality == "audio"


def test_the_reschedule_page_of_an_audio_session_lists_only_times_after_the_video_session(ari, arkansas_practice):
    video = book(ari, arkansas_practice, at(chicago_day(3), 10), "video", kind=AppointmentKind.INTAKE)
    audio = book(ari, arkansas_practice, at(chicago_day(5), 10), "audio")
    page = logged_in(ari).get(reverse("appointment_reschedule", args=[audio.pk])).content.decode()

    moves = {datetime.fromisoformat(unquote(s)) for s in re.findall(r'href="\?start=([^"#]+)', page)}
    assert moves and min(moves) >= video.end_at
    assert f"Audio call is not available: {ARKANSAS_AUDIO}" in page

"""Licences and jurisdiction rules are judged on the session's date where the client is, not in UTC.

A licence valid "until 31 December" covers a New York client's 21:00 session that evening, although
the session starts on 1 January in UTC; east of UTC, the morning after a licence ends is still its
last day in UTC, and must be refused. Booking tests use fixed instants and a fixed "now"; the page
tests count days from today in New York and pick evening times that are the next day in UTC in
winter and summer alike, so no outcome depends on the hour the suite runs.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from confide.accounts.models import Role
from confide.core.testing.fixtures import make_user
from confide.privacy.audit import RequestContext
from confide.scheduling.models import JurisdictionRule
from confide.scheduling.services.booking import book_appointment
from confide.scheduling.tests.conftest import NEW_YORK, book_at, license_therapist, open_practice, sign_consent, type_of

pytestmark = pytest.mark.django_db

LAST_DAY = date(2030, 12, 31)
EVENING = datetime(2030, 12, 31, 21, tzinfo=NEW_YORK)  # 1 January 2031, 02:00 in UTC


def audio_not_permitted_in_new_york(effective_from: date, *, until: date | None = None, why: str) -> None:
    """A jurisdiction rule stopping audio-only sessions in New York from one date (until another)."""
    JurisdictionRule.objects.create(
        jurisdiction="US-NY",
        kind="not_permitted",
        modality="audio",
        effective_from=effective_from,
        effective_until=until,
        explanation=why,
    )


def a_client(email: str, *, jurisdiction: str, time_zone: str):
    client = make_user(email, Role.CLIENT, jurisdiction=jurisdiction, time_zone=time_zone)
    sign_consent(client)
    return client


def refusal(exc_info, field: str) -> str:
    return " ".join(exc_info.value.message_dict[field])


# --- booking ------------------------------------------------------------------------------------------


def test_booking_on_the_licences_last_local_day_is_accepted_when_utc_is_already_the_next_day(
    late_practice, ready_client
):
    license_therapist(late_practice, "US-NY", expires_on=LAST_DAY)
    assert EVENING.astimezone(UTC).date() == date(2031, 1, 1)
    assert book_at(ready_client, late_practice, EVENING).start_at == EVENING


def test_booking_the_morning_after_the_licence_ends_locally_is_refused_when_utc_is_still_its_last_day(
    late_practice,
):
    aroha = a_client("aroha@example.test", jurisdiction="NZ", time_zone="Pacific/Auckland")
    license_therapist(late_practice, "NZ", expires_on=LAST_DAY)
    morning = datetime(2031, 1, 1, 9, tzinfo=ZoneInfo("Pacific/Auckland"))  # 31 December, 20:00 in UTC
    with pytest.raises(ValidationError) as refused:
        book_at(aroha, late_practice, morning)
    assert refusal(refused, "therapist") == "The licence for New Zealand has expired."


def test_a_rule_ending_the_next_local_day_still_applies_to_an_evening_session(late_practice, ready_client):
    """Mirror of test_booking's effective-dates test: the session is in 2031 in UTC but still in 2030 there."""
    license_therapist(late_practice, "US-NY", expires_on=date(2031, 12, 31))
    audio_not_permitted_in_new_york(
        date(2030, 1, 1), until=date(2031, 1, 1), why="Audio-only sessions are not permitted in New York during 2030."
    )
    with pytest.raises(ValidationError) as refused:
        book_at(ready_client, late_practice, EVENING, modality="audio")
    assert refusal(refused, "modality") == (
        "Audio call is not available: Audio-only sessions are not permitted in New York during 2030."
    )


def test_a_client_who_left_their_zone_at_utc_is_judged_by_their_jurisdictions_date(late_practice):
    """Time zone never chosen ("UTC"), living in California: the Los Angeles date decides."""
    lena = a_client("lena@example.test", jurisdiction="US-CA", time_zone="UTC")
    license_therapist(late_practice, "US-CA", expires_on=LAST_DAY)
    evening = datetime(2030, 12, 31, 19, tzinfo=ZoneInfo("America/Los_Angeles"))  # 1 January, 03:00 in UTC
    assert book_at(lena, late_practice, evening).start_at == evening


# --- the booking page offers exactly what booking accepts ---------------------------------------------


def offered_starts(page: str) -> set[datetime]:
    return {datetime.fromisoformat(unquote(s)) for s in re.findall(r"start=([^\"&]+)", page)}


def new_york_today() -> date:
    return timezone.now().astimezone(NEW_YORK).date()


def at_new_york(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), NEW_YORK)


def book_now(client, therapist, start, modality="video"):
    return book_appointment(
        RequestContext(user=client),
        client=client,
        therapist=therapist,
        appointment_type=type_of(therapist),
        start_at=start,
        modality=modality,
    )


def test_booking_page_lists_times_up_to_the_licences_last_local_evening_and_none_after(
    as_client, therapist, ready_client
):
    last_day = new_york_today() + timedelta(days=3)
    open_practice(therapist, start=time(8), end=time(23))
    license_therapist(therapist, "US-NY", expires_on=last_day)
    url = reverse("book_with_therapist", args=[therapist.pk])
    page = as_client.get(url, {"from": (last_day - timedelta(days=1)).isoformat()}).content.decode()

    offered = offered_starts(page)
    assert at_new_york(last_day, 21) in offered  # the next day in UTC
    assert {start.astimezone(NEW_YORK).date() for start in offered} == {last_day - timedelta(days=1), last_day}
    assert "Some times this week are not shown: The licence for New York, United States has expired." in page
    with pytest.raises(ValidationError, match="has expired"):
        book_now(ready_client, therapist, at_new_york(last_day + timedelta(days=1), 8))
    assert book_now(ready_client, therapist, at_new_york(last_day, 21)).start_at == at_new_york(last_day, 21)


def test_booking_page_offers_a_modality_from_the_local_day_a_rule_stops_and_only_on_those_days(
    as_client, therapist, ready_client
):
    rule_ends = new_york_today() + timedelta(days=3)  # audio is not permitted before this date in New York
    open_practice(therapist, start=time(8), end=time(23))
    license_therapist(therapist, "US-NY", expires_on=rule_ends + timedelta(days=400))
    audio_not_permitted_in_new_york(
        date(2020, 1, 1), until=rule_ends, why="Audio-only sessions are paused in New York."
    )
    url = reverse("book_with_therapist", args=[therapist.pk])
    page = as_client.get(url, {"from": (rule_ends - timedelta(days=1)).isoformat(), "modality": "audio"}).content
    page = page.decode()

    assert re.search(r'<input type="radio" name="modality" value="audio" checked>', page)
    offered = offered_starts(page)
    assert min(start.astimezone(NEW_YORK).date() for start in offered) == rule_ends
    assert at_new_york(rule_ends, 8) in offered
    with pytest.raises(ValidationError, match="paused in New York"):
        book_now(ready_client, therapist, at_new_york(rule_ends - timedelta(days=1), 21), "audio")
    assert book_now(ready_client, therapist, at_new_york(rule_ends, 8), "audio").modality == "audio"


def test_booking_page_query_count_does_not_grow_with_the_days_or_slots_shown(
    as_client, therapist, ready_client, django_assert_max_num_queries
):
    open_practice(therapist, start=time(8), end=time(23))
    license_therapist(therapist, "US-NY", expires_on=new_york_today() + timedelta(days=400))
    audio_not_permitted_in_new_york(new_york_today() + timedelta(days=3), why="Audio-only sessions end in New York.")
    # 21 on 2026-11-24: rules and licences are read once per page (it was ~3 more per shown date).
    with django_assert_max_num_queries(26):
        as_client.get(reverse("book_with_therapist", args=[therapist.pk]))


# --- the reschedule page offers exactly what rescheduling accepts -------------------------------------


def moves_offered(page: str) -> set[datetime]:
    return {datetime.fromisoformat(unquote(s)) for s in re.findall(r'href="\?start=([^"#]+)', page)}


def reschedule(client, appointment, start):
    from confide.scheduling.services.booking import reschedule_appointment

    return reschedule_appointment(RequestContext(user=client), appointment, start)


def test_reschedule_page_lists_times_up_to_the_licences_last_local_evening_and_none_after(
    as_client, therapist, ready_client
):
    today = new_york_today()
    last_day = today + timedelta(days=3)
    open_practice(therapist, start=time(8), end=time(23))
    license_therapist(therapist, "US-NY", expires_on=last_day)
    appointment = book_now(ready_client, therapist, at_new_york(today + timedelta(days=1), 10))
    page = as_client.get(reverse("appointment_reschedule", args=[appointment.pk])).content.decode()

    offered = moves_offered(page)
    assert at_new_york(last_day - timedelta(days=1), 8) in offered
    assert at_new_york(last_day, 21) in offered  # the next day in UTC
    assert max(start.astimezone(NEW_YORK).date() for start in offered) == last_day
    assert "Some times are not shown: The licence for New York, United States has expired." in page
    with pytest.raises(ValidationError, match="has expired"):
        reschedule(ready_client, appointment, at_new_york(last_day + timedelta(days=1), 8))


def test_reschedule_page_of_an_audio_session_lists_no_time_from_the_local_day_a_rule_stops_audio(
    as_client, therapist, ready_client
):
    today = new_york_today()
    rule_starts = today + timedelta(days=3)  # audio is not permitted in New York from this date
    open_practice(therapist, start=time(8), end=time(23))
    license_therapist(therapist, "US-NY", expires_on=today + timedelta(days=400))
    audio_not_permitted_in_new_york(rule_starts, why="Audio-only sessions end in New York.")
    appointment = book_now(ready_client, therapist, at_new_york(today + timedelta(days=1), 10), "audio")
    page = as_client.get(reverse("appointment_reschedule", args=[appointment.pk])).content.decode()

    offered = moves_offered(page)
    assert at_new_york(rule_starts - timedelta(days=1), 21) in offered  # the rule's first day in UTC
    assert max(start.astimezone(NEW_YORK).date() for start in offered) == rule_starts - timedelta(days=1)
    assert "Some times are not shown: Audio call is not available: Audio-only sessions end in New York." in page
    with pytest.raises(ValidationError, match="Audio-only sessions end in New York"):
        reschedule(ready_client, appointment, at_new_york(rule_starts, 8))


def test_reschedule_page_of_a_video_session_is_not_limited_by_an_audio_rule(as_client, therapist, ready_client):
    today = new_york_today()
    open_practice(therapist, start=time(8), end=time(23))
    license_therapist(therapist, "US-NY", expires_on=today + timedelta(days=400))
    audio_not_permitted_in_new_york(today + timedelta(days=3), why="Audio-only sessions end in New York.")
    appointment = book_now(ready_client, therapist, at_new_york(today + timedelta(days=1), 10))
    page = as_client.get(reverse("appointment_reschedule", args=[appointment.pk])).content.decode()

    assert at_new_york(today + timedelta(days=5), 8) in moves_offered(page)
    assert "Some times are not shown" not in page


def test_reschedule_page_query_count_does_not_grow_with_the_days_or_slots_shown(
    as_client, therapist, ready_client, django_assert_max_num_queries
):
    today = new_york_today()
    open_practice(therapist, start=time(8), end=time(23))
    license_therapist(therapist, "US-NY", expires_on=today + timedelta(days=400))
    appointment = book_now(ready_client, therapist, at_new_york(today + timedelta(days=1), 10))
    audio_not_permitted_in_new_york(today + timedelta(days=3), why="Audio-only sessions end in New York.")
    # 16 on 2026-11-24 for four weeks of times (it was ~4 per shown date: 125).
    with django_assert_max_num_queries(22):
        as_client.get(reverse("appointment_reschedule", args=[appointment.pk]))

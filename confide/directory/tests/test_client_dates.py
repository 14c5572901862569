"""Licences count on the date where the client is: ``client_local_date`` and the pages that use it.

A New York client's evening is the next day in UTC; judging their licence checks by the UTC date
would refuse what the licence allows (and, east of UTC, allow what it no longer does).
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pycountry
import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from confide.accounts.models import Role
from confide.core.testing.fixtures import logged_in, make_user
from confide.directory.client_dates import JURISDICTION_ZONES, client_local_date, reader_today
from confide.directory.matching import clean_answers, rank

from .conftest import add_licence

pytestmark = pytest.mark.django_db

LAST_DAY = date(2030, 12, 31)
NEW_YEAR_UTC = datetime(2031, 1, 1, 5, tzinfo=UTC)  # 00:00 in New York, 21:00 on 31 December in Los Angeles


def a_client(*, time_zone: str, jurisdiction: str = "US-NY", email: str = "lena@example.test"):
    return make_user(email, Role.CLIENT, jurisdiction=jurisdiction, time_zone=time_zone)


def test_the_clients_own_zone_decides_the_date():
    evening = datetime(2030, 12, 31, 21, tzinfo=ZoneInfo("America/New_York"))
    client = a_client(time_zone="America/New_York")
    assert (evening.astimezone(UTC).date(), client_local_date(client, evening)) == (date(2031, 1, 1), LAST_DAY)


def test_a_client_whose_zone_is_the_default_utc_gets_their_jurisdictions_date():
    client = a_client(time_zone="UTC", jurisdiction="US-CA")
    assert client_local_date(client, NEW_YEAR_UTC) == LAST_DAY  # the Los Angeles date


def test_a_chosen_zone_wins_over_the_jurisdiction():
    client = a_client(time_zone="Europe/Berlin", jurisdiction="US-CA")
    assert client_local_date(client, NEW_YEAR_UTC) == date(2031, 1, 1)


def test_a_location_the_caller_knows_wins_over_the_profile():
    client = a_client(time_zone="UTC", jurisdiction="US-NY")
    assert client_local_date(client, NEW_YEAR_UTC, jurisdiction="US-CA") == LAST_DAY


@pytest.mark.parametrize(
    ("jurisdiction", "expected"),
    [
        ("DE-BE", date(2031, 1, 1)),  # Berlin: a region of a one-zone country takes the country's zone
        ("US-HI", LAST_DAY),  # Honolulu
        ("US-UM", date(2031, 1, 1)),  # a US region not listed is not guessed from the country: UTC
        ("", date(2031, 1, 1)),  # nowhere known: UTC
    ],
)
def test_regions_of_countries_that_span_zones_are_never_guessed(jurisdiction, expected):
    client = a_client(time_zone="UTC", jurisdiction=jurisdiction)
    assert client_local_date(client, NEW_YEAR_UTC) == expected


@pytest.mark.parametrize(
    ("jurisdiction", "at", "expected"),
    [
        # 20:00 on 31 December in Paris is already 1 January in Nouméa and Réunion, still 31 December in Tahiti.
        ("FR-NC", datetime(2030, 12, 31, 19, tzinfo=UTC), date(2031, 1, 1)),
        ("FR-974", datetime(2030, 12, 31, 21, tzinfo=UTC), date(2031, 1, 1)),
        ("FR-PF", datetime(2031, 1, 1, 5, tzinfo=UTC), LAST_DAY),
        ("FR-971", datetime(2031, 1, 1, 3, tzinfo=UTC), LAST_DAY),  # Guadeloupe, 23:00
        ("FR-IDF", datetime(2030, 12, 31, 23, 30, tzinfo=UTC), date(2031, 1, 1)),  # mainland: Paris
        ("ES-CN", datetime(2030, 12, 31, 23, 30, tzinfo=UTC), LAST_DAY),  # Canaries: 23:30, Madrid is past midnight
        ("PT-20", datetime(2031, 1, 1, 0, 30, tzinfo=UTC), LAST_DAY),  # Azores: 23:30
        ("NZ-CIT", datetime(2030, 12, 31, 10, 50, tzinfo=UTC), date(2031, 1, 1)),  # Chatham: 00:35
    ],
)
def test_overseas_regions_of_one_zone_countries_have_their_own_zones(jurisdiction, at, expected):
    client = a_client(time_zone="UTC", jurisdiction=jurisdiction)
    assert client_local_date(client, at) == expected


def test_every_state_province_and_inhabited_territory_has_a_real_zone():
    wanted = {s.code for country in ("US", "CA", "AU") for s in pycountry.subdivisions.get(country_code=country)} - {
        "US-UM"
    }
    assert wanted - set(JURISDICTION_ZONES) == set()
    assert [name for name in JURISDICTION_ZONES.values() if ZoneInfo(name).key != name] == []


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError, match="aware"):
        client_local_date(a_client(time_zone="UTC"), datetime(2030, 12, 31, 21))  # noqa: DTZ001 — on purpose


def test_reader_today_is_the_clients_date_for_a_client_and_the_servers_for_anyone_else(therapist):
    client = a_client(time_zone="America/Los_Angeles")
    assert reader_today(client, NEW_YEAR_UTC) == LAST_DAY
    assert reader_today(AnonymousUser(), NEW_YEAR_UTC) == date(2031, 1, 1)
    assert reader_today(therapist, NEW_YEAR_UTC) == date(2031, 1, 1)


def test_matching_counts_a_licence_on_the_clients_local_date(make_therapist):
    profile = make_therapist("Dr Last Day", code="")
    add_licence(profile.user, "US-NY", expires=LAST_DAY)
    client = a_client(time_zone="America/New_York")
    evening = datetime(2030, 12, 31, 21, tzinfo=ZoneInfo("America/New_York"))
    answers = clean_answers({"jurisdiction": "US-NY"})
    assert [m.profile.display_name for m in rank(answers, now=evening, client=client)] == ["Dr Last Day"]


# --- pages read "today" now: a zone whose date differs from UTC's right now makes them hour-independent ---


def zone_off_utcs_date(now: datetime) -> str:
    """A zone whose date is not UTC's at ``now``, chosen at least half an hour before its own midnight."""
    if (now.hour, now.minute) < (10, 30):
        return "Pacific/Pago_Pago"  # UTC-11: before 11:00 UTC it is still yesterday there
    return "Pacific/Kiritimati"  # UTC+14: from 10:00 UTC it is already tomorrow there


def edge_case(make_therapist):
    """A licence whose last day is the earlier of today in UTC and today where the client is.

    It counts for the client exactly when their date is the earlier one; judged by UTC's date it would
    count exactly when it should not — whatever the hour the test runs.
    """
    now = timezone.now()
    zone = zone_off_utcs_date(now)
    local_today, utc_today = now.astimezone(ZoneInfo(zone)).date(), now.astimezone(UTC).date()
    profile = make_therapist("Dr Edge", code="")
    add_licence(profile.user, "US-NY", expires=min(local_today, utc_today))
    client = a_client(time_zone=zone, email="edge@example.test")
    return profile, logged_in(client), local_today < utc_today


def test_profile_page_shows_a_client_the_licences_valid_on_their_local_date(make_therapist):
    profile, http, counts = edge_case(make_therapist)
    page = http.get(reverse("directory:profile", args=[profile.slug])).content.decode()
    assert ("No verified licence yet." not in page) is counts


def test_search_lists_for_a_client_the_therapists_licensed_on_their_local_date(make_therapist):
    profile, http, counts = edge_case(make_therapist)
    page = http.get(reverse("directory:search"), {"jurisdiction": "US-NY", "include_unavailable": "1"})
    assert ("Dr Edge" in page.content.decode()) is counts


def test_a_zone_off_utcs_date_is_found_at_every_hour_and_keeps_its_date_while_a_test_runs():
    """Chosen at least half an hour before its own midnight, so the client's date cannot change mid-test."""
    for minutes in range(0, 24 * 60, 5):
        chosen = datetime(2030, 6, 1, tzinfo=UTC) + timedelta(minutes=minutes)
        zone = ZoneInfo(zone_off_utcs_date(chosen))
        local = chosen.astimezone(zone).date()
        assert local != chosen.date()
        assert (chosen + timedelta(minutes=29)).astimezone(zone).date() == local


def test_jurisdiction_date_is_the_date_on_the_licences_own_ground():
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from confide.directory.client_dates import jurisdiction_date

    instant = datetime(2027, 1, 1, 6, 0, tzinfo=ZoneInfo("UTC"))
    assert jurisdiction_date("US-CA", instant) == date(2026, 12, 31)
    assert jurisdiction_date("DE", instant) == date(2027, 1, 1)
    assert jurisdiction_date("US", instant) == date(2027, 1, 1)  # spans zones: UTC
    with pytest.raises(ValueError):
        jurisdiction_date("US-CA", datetime(2027, 1, 1, 6, 0))

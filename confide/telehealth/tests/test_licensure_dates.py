"""Starting a visit checks the therapist's licence on today's date where the client is, not in UTC.

Every instant is fixed (the appointment, and the "now" the visit starts at), so no outcome depends on
the hour the suite runs.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from confide.accounts.models import Role
from confide.core.testing.fixtures import make_user
from confide.privacy.audit import RequestContext
from confide.telehealth.services.lifecycle import start_visit, visit_for
from confide.telehealth.tests.conftest import license_therapist, make_appointment, make_ready

pytestmark = pytest.mark.django_db

LAST_DAY = date(2030, 12, 31)


def start_at(client, therapist, start: datetime, location: str):
    """The therapist starts the visit five minutes into an appointment at ``start``."""
    make_ready(client)
    appointment = make_appointment(client, therapist, starts_in=start - timezone.now())
    visit = visit_for(appointment)
    now = start + timedelta(minutes=5)
    return start_visit(
        RequestContext(user=therapist), visit, jurisdiction=location, emergency_contact_confirmed=True, now=now
    )


def test_visit_on_the_licences_last_local_evening_is_within_licensure(client_user, therapist):
    evening = datetime(2030, 12, 31, 21, tzinfo=ZoneInfo("America/New_York"))
    assert evening.astimezone(UTC).date() == date(2031, 1, 1)
    license_therapist(therapist, "US-NY", expires_on=LAST_DAY)
    result = start_at(client_user, therapist, evening, "US-NY")
    assert (result.warning, result.visit.outside_licensure) == ("", False)


def test_visit_the_morning_after_the_licence_ends_locally_is_outside_licensure(therapist):
    aroha = make_user("aroha@example.test", Role.CLIENT, jurisdiction="NZ", time_zone="Pacific/Auckland")
    license_therapist(therapist, "NZ", expires_on=LAST_DAY)
    morning = datetime(2031, 1, 1, 9, tzinfo=ZoneInfo("Pacific/Auckland"))  # still 31 December in UTC
    result = start_at(aroha, therapist, morning, "NZ")
    assert result.visit.outside_licensure is True
    assert result.visit.licensure_note == "The licence for New Zealand has expired."


def test_visit_of_a_client_without_a_zone_uses_the_confirmed_locations_date(therapist):
    """Zone never chosen ("UTC"): the place the therapist just confirmed decides, here California."""
    lena = make_user("lena@example.test", Role.CLIENT, jurisdiction="US-NY", time_zone="UTC")
    license_therapist(therapist, "US-CA", expires_on=LAST_DAY)
    evening = datetime(2030, 12, 31, 19, tzinfo=ZoneInfo("America/Los_Angeles"))  # 1 January, 03:00 in UTC
    result = start_at(lena, therapist, evening, "US-CA")
    assert (result.warning, result.visit.outside_licensure) == ("", False)

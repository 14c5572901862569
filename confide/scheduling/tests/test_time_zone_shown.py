"""Pages show times in the zone the person chose; a client who never chose one sees where they are.

``User.time_zone`` defaults to "UTC", which mostly means "never chosen". For a client the zone of their
jurisdiction (the one licence checks use) is then the better guess. Times are counted from today in
New York (the therapist's zone), always two days ahead, so the hour the suite runs does not matter.
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from confide.accounts.models import Role
from confide.core.testing.fixtures import logged_in, make_user
from confide.privacy.audit import RequestContext
from confide.scheduling.services.booking import book_appointment
from confide.scheduling.tests.conftest import NEW_YORK, sign_consent, type_of

pytestmark = pytest.mark.django_db


def a_client(*, jurisdiction: str, time_zone: str):
    client = make_user("lena@example.test", Role.CLIENT, jurisdiction=jurisdiction, time_zone=time_zone)
    sign_consent(client)
    return client


def in_two_days() -> date:
    return timezone.now().astimezone(NEW_YORK).date() + timedelta(days=2)


def label(day: date, clock: str, zone: str) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}, {clock} ({zone})"


def video_at_two_in_new_york(client, therapist, day: date):
    return book_appointment(
        RequestContext(user=client),
        client=client,
        therapist=therapist,
        appointment_type=type_of(therapist),
        start_at=datetime.combine(day, time(14), NEW_YORK),
        modality="video",
    )


def booking_page(client, therapist) -> str:
    return logged_in(client).get(reverse("book_with_therapist", args=[therapist.pk])).content.decode()


def test_a_californian_who_never_chose_a_zone_sees_booking_times_in_los_angeles(practice):
    lena = a_client(jurisdiction="US-CA", time_zone="UTC")
    day = in_two_days()  # the therapist opens at 08:00 in New York: 05:00 in Los Angeles, summer and winter
    page = booking_page(lena, practice)

    assert f'aria-label="{label(day, "05:00", "America/Los Angeles")}">05:00</a>' in page
    assert "Shown in your time zone: <strong>America/Los Angeles</strong>" in page


def test_a_client_who_chose_a_zone_sees_times_in_it(practice):
    lena = a_client(jurisdiction="US-CA", time_zone="America/Denver")
    day = in_two_days()  # 08:00 in New York is 06:00 in Denver
    page = booking_page(lena, practice)

    assert f'aria-label="{label(day, "06:00", "America/Denver")}">06:00</a>' in page
    assert "Shown in your time zone: <strong>America/Denver</strong>" in page


def test_a_californian_who_never_chose_a_zone_sees_reschedule_times_in_los_angeles(practice):
    lena = a_client(jurisdiction="US-CA", time_zone="UTC")
    day = in_two_days()
    appointment = video_at_two_in_new_york(lena, practice, day)
    page = logged_in(lena).get(reverse("appointment_reschedule", args=[appointment.pk])).content.decode()

    assert f'aria-label="Move to {label(day, "05:00", "America/Los Angeles")}">05:00</a>' in page
    assert "Shown in your time zone: <strong>America/Los Angeles</strong>" in page


def test_e_mails_and_the_api_use_the_same_zone_as_the_pages(practice):
    from confide.scheduling import emails

    lena = a_client(jurisdiction="US-CA", time_zone="UTC")
    day = in_two_days()
    appointment = video_at_two_in_new_york(lena, practice, day)
    notice = emails.change_notice(appointment, lena, "booked")
    assert "11:00 (America/Los Angeles)" in notice.body  # 14:00 in New York
    listed = logged_in(lena).get("/api/scheduling/appointments").json()
    assert any("America/Los_Angeles" in str(item) for item in listed)

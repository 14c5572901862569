"""Scheduling test helpers: a licensed therapist with hours, a consenting client, the next open slot."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from confide.privacy.audit import RequestContext
from confide.scheduling.availability import available_slots
from confide.scheduling.models import AppointmentKind, AppointmentType, SchedulingPolicy, WeeklyHours


def license_therapist(therapist, *jurisdictions: str, expires_on: date | None = None) -> None:
    """Verified licences in ``jurisdictions``, valid through ``expires_on`` (default: for years)."""
    from confide.directory.models import Licence, LicenceType

    # get_or_create: a transactional test's flush removes the rows data migrations seeded.
    kind, _ = LicenceType.objects.get_or_create(slug="lpc", defaults={"name": "Licensed Professional Counselor"})
    for code in jurisdictions:
        Licence.objects.create(
            therapist=therapist,
            licence_type=kind,
            number=f"T-{code}",
            jurisdiction=code,
            expires_on=expires_on or timezone.localdate() + timedelta(days=800),
            status=Licence.Status.VERIFIED,
        )


def sign_consent(client) -> None:
    from confide.intake.models import ConsentDocument
    from confide.intake.services import current_consent_document, sign_consent

    document = current_consent_document() or ConsentDocument.objects.create(
        version=1, title="Telehealth consent", body="Test consent.", published_at=timezone.now()
    )
    sign_consent(RequestContext(user=client), client, document=document, typed_name="Casey Public")


def open_practice(therapist, *, days=range(7), start=time(8), end=time(20), **policy) -> None:
    """Hours every day 08–20 in the therapist's zone, the three types, a policy without notice limits."""
    from confide.scheduling.services.setup import ensure_defaults

    ensure_defaults(therapist)
    WeeklyHours.objects.bulk_create(
        WeeklyHours(therapist=therapist, weekday=d, start_time=start, end_time=end) for d in days
    )
    values = {"min_notice_hours": 0, "buffer_minutes": 10, "max_per_day": 8, "max_per_week": 40, **policy}
    SchedulingPolicy.objects.filter(therapist=therapist).update(**values)


def type_of(therapist, kind=AppointmentKind.INTAKE) -> AppointmentType:
    return AppointmentType.objects.get(therapist=therapist, kind=kind)


def open_slots(therapist, kind=AppointmentKind.INTAKE, *, days=7, viewer=None, offset_days=2):
    start = timezone.now() + timedelta(days=offset_days)
    return available_slots(
        therapist, type_of(therapist, kind), start, start + timedelta(days=days), "UTC", viewer=viewer
    )


@pytest.fixture
def practice(therapist):
    license_therapist(therapist, "US-NY", "US-CA")
    open_practice(therapist)
    return therapist


@pytest.fixture
def other_practice(other_therapist):
    license_therapist(other_therapist, "US-NY", "US-CA")
    open_practice(other_therapist)
    return other_therapist


@pytest.fixture
def ready_client(client_user):
    sign_consent(client_user)
    return client_user


@pytest.fixture
def ready_other_client(other_client):
    sign_consent(other_client)
    return other_client


def book(client, therapist, slot=None, *, kind=AppointmentKind.INTAKE, modality="video", note=""):
    from confide.scheduling.services.booking import book_appointment

    slot = slot or open_slots(therapist, kind, viewer=client)[0]
    return book_appointment(
        RequestContext(user=client),
        client=client,
        therapist=therapist,
        appointment_type=type_of(therapist, kind),
        start_at=slot.start,
        modality=modality,
        note=note,
    )


# Date-boundary tests book at fixed instants with a fixed "now", never the hour the suite runs.
NEW_YORK = ZoneInfo("America/New_York")
BOOKED_AT = datetime(2030, 12, 28, 12, tzinfo=UTC)  # when the client books: a few days before the session


@pytest.fixture
def late_practice(therapist):
    """Open every day 06:00–23:30 New York time (evening sessions fall on the next UTC day); no licence yet."""
    open_practice(therapist, start=time(6), end=time(23, 30))
    return therapist


def book_at(client, therapist, start: datetime, *, modality="video", kind=AppointmentKind.INTAKE, now=BOOKED_AT):
    """Book the offered slot at ``start`` as if it were ``now``."""
    from confide.scheduling.services.booking import book_appointment

    offered = available_slots(therapist, type_of(therapist, kind), start, start + timedelta(minutes=1), "UTC", now=now)
    assert [slot.start for slot in offered] == [start], "the test's time must be an offered slot"
    return book_appointment(
        RequestContext(user=client),
        client=client,
        therapist=therapist,
        appointment_type=type_of(therapist, kind),
        start_at=start,
        modality=modality,
        now=now,
    )

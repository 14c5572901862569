"""Cancelling a client's only intake ends the care relationship, so "I need help now" does not
alert a therapist who never saw them (scheduling ``cancel_appointment`` → ``accounts.end_care``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from confide.accounts.models import CareRelationship
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent
from confide.safety import escalation
from confide.safety.models import Alert
from confide.scheduling.models import Appointment, AppointmentKind, Status
from confide.scheduling.services import booking
from confide.scheduling.tests.conftest import book, license_therapist, open_practice, open_slots, sign_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice(therapist):
    license_therapist(therapist, "US-NY")
    open_practice(therapist)
    return therapist


@pytest.fixture
def ready_client(client_user):
    sign_consent(client_user)
    return client_user


def care_status(client, therapist) -> list[str]:
    return list(CareRelationship.objects.filter(client=client, therapist=therapist).values_list("status", flat=True))


def test_cancelling_the_only_intake_ends_care(practice, ready_client, staff):
    intake = book(ready_client, practice)
    assert care_status(ready_client, practice) == ["active"]
    booking.cancel_appointment(RequestContext(user=ready_client), intake, reason="Changed my mind")
    assert care_status(ready_client, practice) == ["ended"]
    assert AuditEvent.objects.filter(action="care.end").count() == 1
    event = escalation.request_help_now(RequestContext(user=ready_client), ready_client)
    assert list(Alert.objects.filter(event=event).values_list("recipient", flat=True)) == [staff.pk]


def test_therapist_cancelling_the_only_intake_ends_care_too(practice, ready_client):
    intake = book(ready_client, practice)
    booking.cancel_appointment(RequestContext(user=practice), intake)
    assert care_status(ready_client, practice) == ["ended"]


def test_cancelling_the_intake_keeps_care_while_another_appointment_is_booked(practice, ready_client):
    intake = book(ready_client, practice)
    later = open_slots(practice, AppointmentKind.THERAPY, viewer=ready_client, offset_days=4)
    book(ready_client, practice, later[0], kind=AppointmentKind.THERAPY)
    booking.cancel_appointment(RequestContext(user=ready_client), intake)
    assert care_status(ready_client, practice) == ["active"]


def test_cancelling_a_session_keeps_care_after_a_completed_intake(practice, ready_client):
    first = book(ready_client, practice)
    Appointment.objects.filter(pk=first.pk).update(
        status=Status.COMPLETED, start_at=first.start_at - timedelta(days=30), end_at=first.end_at - timedelta(days=30)
    )
    session = book(ready_client, practice, kind=AppointmentKind.THERAPY)
    booking.cancel_appointment(RequestContext(user=ready_client), session)
    assert care_status(ready_client, practice) == ["active"]


def test_rebooking_after_a_cancelled_intake_starts_care_again(practice, ready_client):
    intake = book(ready_client, practice)
    booking.cancel_appointment(RequestContext(user=ready_client), intake)
    book(ready_client, practice)
    assert sorted(care_status(ready_client, practice)) == ["active", "ended"]

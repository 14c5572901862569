"""Booking rules: licensure, consent, intake first, jurisdiction rules, no double booking, changes, waitlist."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from confide.accounts.models import CareRelationship
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent
from confide.scheduling.models import (
    Appointment,
    AppointmentKind,
    JurisdictionRule,
    SchedulingPolicy,
    Status,
    WaitlistEntry,
)
from confide.scheduling.services import booking, waitlist
from confide.scheduling.tests.conftest import (
    NEW_YORK,
    book,
    book_at,
    license_therapist,
    open_slots,
    type_of,
)

pytestmark = pytest.mark.django_db


def ctx(user):
    return RequestContext(user=user)


def test_booking_an_intake_starts_care_and_is_confirmed(practice, ready_client):
    appointment = book(ready_client, practice, note="Trouble sleeping since March")
    assert appointment.status == Status.CONFIRMED
    assert appointment.kind == AppointmentKind.INTAKE
    assert appointment.end_at - appointment.start_at == timedelta(minutes=60)
    assert CareRelationship.objects.filter(client=ready_client, therapist=practice, status="active").count() == 1
    assert AuditEvent.objects.filter(action="appointment.create", object_id=str(appointment.pk)).count() == 1


def test_note_is_encrypted_at_rest_and_reads_are_audited(practice, ready_client):
    appointment = book(ready_client, practice, note="Trouble sleeping since March")
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM scheduling_appointment WHERE id = %s", [appointment.pk.hex])
        row = cursor.fetchone() or ()
    if not row:
        with connection.cursor() as cursor:
            cursor.execute("SELECT note FROM scheduling_appointment WHERE id = %s", [str(appointment.pk)])
            row = cursor.fetchone()
    assert row[0].startswith("enc1:") and "sleeping" not in row[0]
    assert booking.read_note(ctx(practice), appointment) == "Trouble sleeping since March"
    assert AuditEvent.objects.filter(action="appointment.note.view", outcome="allowed").count() == 1


def test_first_appointment_must_be_an_intake_and_only_once(practice, ready_client):
    with pytest.raises(ValidationError, match="first appointment"):
        book(ready_client, practice, kind=AppointmentKind.THERAPY)
    book(ready_client, practice)
    with pytest.raises(ValidationError, match="already booked an intake"):
        book(ready_client, practice, open_slots(practice, viewer=ready_client, offset_days=5)[0])
    follow_up = book(ready_client, practice, open_slots(practice, "therapy", offset_days=5)[0], kind="therapy")
    assert follow_up.end_at - follow_up.start_at == timedelta(minutes=50)


def test_booking_refused_where_therapist_is_not_licensed(practice, ready_client):
    profile = ready_client.client_profile
    profile.jurisdiction = "US-TX"
    profile.save()
    with pytest.raises(ValidationError, match="Not licensed in Texas"):
        book(ready_client, practice)
    assert Appointment.objects.count() == 0


def test_booking_refused_without_telehealth_consent_but_in_person_is_fine(practice, client_user):
    with pytest.raises(ValidationError, match="telehealth consent"):
        book(client_user, practice)
    SchedulingPolicy.objects.filter(therapist=practice).update(offers_in_person=True, office_address="1 Main St")
    assert book(client_user, practice, modality="in_person").modality == "in_person"


def test_jurisdiction_rule_requires_video_first_and_says_why(practice, ready_client):
    license_therapist(practice, "US-AR")
    profile = ready_client.client_profile
    profile.jurisdiction = "US-AR"
    profile.save()
    with pytest.raises(ValidationError, match="must be by video before live-chat"):
        book(ready_client, practice, modality="chat")
    intake = book(ready_client, practice, modality="video")
    later = [s for s in open_slots(practice, "therapy", offset_days=4) if s.start > intake.end_at][0]
    assert book(ready_client, practice, later, kind="therapy", modality="chat").modality == "chat"


def test_jurisdiction_rule_respects_effective_dates(late_practice, ready_client):
    """A rule counts from ``effective_from`` up to, not including, ``effective_until``: dates where the client is.

    The first session is at 21:00 on 31 December in New York — already 1 January in UTC — so a rule
    in force from 1 January does not apply to it yet.
    """
    license_therapist(late_practice, "US-NY", expires_on=date(2031, 12, 31))
    evening = datetime(2030, 12, 31, 21, tzinfo=NEW_YORK)
    JurisdictionRule.objects.create(
        jurisdiction="US-NY",
        kind="not_permitted",
        modality="audio",
        effective_from=date(2031, 1, 1),
        explanation="Audio-only sessions are not permitted in New York from 2031.",
    )
    assert book_at(ready_client, late_practice, evening, modality="audio").modality == "audio"  # not yet in force
    JurisdictionRule.objects.create(
        jurisdiction="US-NY",
        kind="not_permitted",
        modality="chat",
        effective_from=date(2020, 1, 1),
        effective_until=date(2021, 1, 1),
        explanation="Expired rule.",
    )
    later = evening + timedelta(days=2)
    with pytest.raises(ValidationError, match="not permitted in New York"):
        book_at(ready_client, late_practice, later, kind="therapy", modality="audio")
    assert book_at(ready_client, late_practice, later, kind="therapy", modality="chat").modality == "chat"


def test_second_booking_of_the_same_slot_is_taken(practice, ready_client, ready_other_client):
    slot = open_slots(practice, viewer=ready_client)[0]
    book(ready_client, practice, slot)
    with pytest.raises(booking.SlotTaken, match="That time was just taken"):
        book(ready_other_client, practice, slot)
    assert Appointment.objects.count() == 1


def test_buffer_blocks_back_to_back_booking(practice, ready_client, ready_other_client):
    SchedulingPolicy.objects.filter(therapist=practice).update(slot_step_minutes=15, buffer_minutes=15)
    # A first slot with room after it the same day: the soonest one may be the last before the hours end.
    slots = open_slots(practice, viewer=ready_client)
    starts = {slot.start for slot in slots}
    first = book(ready_client, practice, next(s for s in slots if s.end + timedelta(minutes=15) in starts))
    too_close = type("S", (), {"start": first.end_at + timedelta(minutes=0)})()
    with pytest.raises(booking.SlotTaken):
        book(ready_other_client, practice, too_close)
    ok = type("S", (), {"start": first.end_at + timedelta(minutes=15)})()
    assert book(ready_other_client, practice, ok).start_at == ok.start


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        (timedelta(days=-1), "in the past"),
        (timedelta(minutes=7), "not offered"),  # off the grid
    ],
)
def test_bad_times_are_refused_with_reasons(practice, ready_client, shift, message):
    slot = open_slots(practice, viewer=ready_client)[0]
    start = (timezone.now() + shift) if shift < timedelta(0) else slot.start + shift
    with pytest.raises(ValidationError, match=message):
        book(ready_client, practice, type("S", (), {"start": start})())


def test_notice_horizon_and_daily_cap(practice, ready_client, ready_other_client):
    SchedulingPolicy.objects.filter(therapist=practice).update(min_notice_hours=24 * 5, horizon_days=10, max_per_day=1)
    soon = open_slots(practice, offset_days=1, days=1)
    assert soon == []
    with pytest.raises(ValidationError, match="too soon"):
        book(
            ready_client,
            practice,
            type("S", (), {"start": timezone.now().replace(microsecond=0) + timedelta(days=2)})(),
        )
    with pytest.raises(ValidationError, match="up to 10 days"):
        book(ready_client, practice, type("S", (), {"start": timezone.now() + timedelta(days=11)})())
    first = book(ready_client, practice, open_slots(practice, offset_days=6, days=2)[0])
    ny = ZoneInfo("America/New_York")  # caps count the therapist's own days
    day = first.start_at.astimezone(ny).date()
    same_day = [s for s in open_slots(practice, offset_days=5, days=4) if s.start.astimezone(ny).date() == day]
    assert same_day == []


def test_naive_time_is_refused(practice, ready_client):
    slot = open_slots(practice, viewer=ready_client)[0]
    with pytest.raises(ValidationError, match="UTC offset"):
        book(ready_client, practice, type("S", (), {"start": slot.start.replace(tzinfo=None)})())


def test_therapist_cannot_book_as_a_client(practice, ready_client):
    from django.http import Http404

    slot = open_slots(practice, viewer=ready_client)[0]
    with pytest.raises(Http404):
        booking.book_appointment(
            ctx(practice),
            client=ready_client,
            therapist=practice,
            appointment_type=type_of(practice),
            start_at=slot.start,
            modality="video",
        )


def test_client_cancel_inside_window_owes_the_fee(practice, ready_client):
    SchedulingPolicy.objects.filter(therapist=practice).update(late_cancel_hours=24 * 7, late_cancel_fee=Decimal("40"))
    appointment = book(ready_client, practice)
    terms = booking.cancellation_terms(appointment, ready_client)
    assert terms.late and terms.fee_applies == Decimal("40.00")
    assert "late-change fee of USD 40.00" in terms.describe(ZoneInfo("UTC"))
    cancelled = booking.cancel_appointment(ctx(ready_client), appointment, reason="Feeling worse")
    assert cancelled.status == Status.CANCELLED and cancelled.late_cancellation and cancelled.fee_due == Decimal("40")


def test_therapist_cancel_never_charges_the_client(practice, ready_client):
    SchedulingPolicy.objects.filter(therapist=practice).update(late_cancel_hours=24 * 7, late_cancel_fee=Decimal("40"))
    appointment = book(ready_client, practice)
    cancelled = booking.cancel_appointment(ctx(practice), appointment)
    assert cancelled.fee_due == 0 and not cancelled.late_cancellation


def test_cancelled_or_foreign_appointment_cannot_be_changed(practice, ready_client, other_therapist):
    from django.http import Http404

    appointment = book(ready_client, practice)
    with pytest.raises(Http404):
        booking.cancel_appointment(ctx(other_therapist), appointment)
    booking.cancel_appointment(ctx(ready_client), appointment)
    appointment.refresh_from_db()
    with pytest.raises(ValidationError, match="cancelled; it cannot be changed"):
        booking.cancel_appointment(ctx(ready_client), appointment)
    with pytest.raises(ValidationError, match="cancelled"):
        booking.reschedule_appointment(ctx(ready_client), appointment, appointment.start_at + timedelta(days=1))


def test_reschedule_keeps_id_bumps_sequence_and_frees_old_time(practice, ready_client, ready_other_client):
    appointment = book(ready_client, practice)
    old_start = appointment.start_at
    target = [s for s in open_slots(practice, viewer=ready_client, offset_days=4) if s.start > old_start][0]
    moved = booking.reschedule_appointment(ctx(practice), appointment, target.start)
    assert moved.pk == appointment.pk and moved.start_at == target.start and moved.sequence == 1
    # A window that starts well before the old time (not "now + 2 days" again: a :00/:30 grid point may
    # have passed since the booking, which would drop the old time from the window, freed or not).
    assert old_start in [s.start for s in open_slots(practice, viewer=ready_other_client, offset_days=1)]


def test_reschedule_onto_a_taken_slot_is_refused_and_nothing_changes(practice, ready_client, ready_other_client):
    mine = book(ready_client, practice)
    theirs = book(ready_other_client, practice, open_slots(practice, viewer=ready_other_client, offset_days=4)[0])
    with pytest.raises(booking.SlotTaken):
        booking.reschedule_appointment(ctx(ready_client), mine, theirs.start_at)
    mine.refresh_from_db()
    assert mine.sequence == 0 and mine.status == Status.CONFIRMED


def test_lifecycle_requested_confirmed_completed(practice, ready_client):
    SchedulingPolicy.objects.filter(therapist=practice).update(confirm_manually=True)
    appointment = book(ready_client, practice)
    assert appointment.status == Status.REQUESTED
    appointment = booking.set_status(ctx(practice), appointment, Status.CONFIRMED)
    with pytest.raises(ValidationError, match="has started"):
        booking.set_status(ctx(practice), appointment, Status.COMPLETED)
    later = appointment.start_at + timedelta(hours=2)
    appointment = booking.set_status(ctx(practice), appointment, Status.COMPLETED, now=later)
    assert appointment.status == Status.COMPLETED
    with pytest.raises(ValidationError):
        booking.set_status(ctx(practice), appointment, Status.NO_SHOW, now=later)


def test_client_cannot_confirm_their_own_booking(practice, ready_client):
    from django.http import Http404

    SchedulingPolicy.objects.filter(therapist=practice).update(confirm_manually=True)
    appointment = book(ready_client, practice)
    with pytest.raises(Http404):
        booking.set_status(ctx(ready_client), appointment, Status.CONFIRMED)


def test_freed_slot_goes_to_the_waitlist_first(practice, ready_client, ready_other_client, make_third_client):
    appointment = book(ready_client, practice)
    entry = waitlist.join_waitlist(
        ctx(ready_other_client), client=ready_other_client, therapist=practice, appointment_type=type_of(practice)
    )
    booking.cancel_appointment(ctx(ready_client), appointment)
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.OFFERED and entry.offered_start_at == appointment.start_at
    third = make_third_client
    # Windows that surely contain the freed time (see test_reschedule_keeps_id_bumps_sequence_and_frees_old_time).
    assert appointment.start_at not in [s.start for s in open_slots(practice, viewer=third, offset_days=1)]
    assert appointment.start_at in [s.start for s in open_slots(practice, viewer=ready_other_client, offset_days=1)]
    with pytest.raises(booking.SlotTaken):
        book(third, practice, type("S", (), {"start": appointment.start_at})())
    taken = book(ready_other_client, practice, type("S", (), {"start": appointment.start_at})())
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.BOOKED and taken.start_at == appointment.start_at


def test_lapsed_offer_passes_to_the_next_person(practice, ready_client, ready_other_client, make_third_client):
    appointment = book(ready_client, practice)
    first = waitlist.join_waitlist(
        ctx(ready_other_client), client=ready_other_client, therapist=practice, appointment_type=type_of(practice)
    )
    second = waitlist.join_waitlist(
        ctx(make_third_client), client=make_third_client, therapist=practice, appointment_type=type_of(practice)
    )
    booking.cancel_appointment(ctx(ready_client), appointment)
    assert waitlist.expire_offer(str(first.pk)) == "not yet expired"
    assert waitlist.expire_offer(str(first.pk), now=timezone.now() + timedelta(hours=3)) == "passed on"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == WaitlistEntry.State.WAITING
    assert second.state == WaitlistEntry.State.OFFERED and second.offered_start_at == appointment.start_at


@pytest.fixture
def make_third_client(db):
    from confide.core.testing.fixtures import make_user
    from confide.scheduling.tests.conftest import sign_consent

    third = make_user("third@example.test", "client", name="Tam")
    sign_consent(third)
    return third

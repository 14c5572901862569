"""Booking, rescheduling, cancelling and the appointment lifecycle.

Double booking is impossible by two independent means: every booking locks the
therapist's scheduling-policy row (PostgreSQL) or runs in an IMMEDIATE
transaction (SQLite) before re-checking the slot, and on PostgreSQL an exclusion
constraint refuses overlapping active appointments whatever code writes them.
Both surface as ``SlotTaken`` ("That time was just taken …", HTTP 409).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from confide.accounts.models import Role
from confide.directory.services import client_local_date
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event
from confide.scheduling import policies, rules
from confide.scheduling.availability import (
    available_slots,
    aware_utc,
    format_local,
    load_rules,
    policy_for,
    zone_of,
)
from confide.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentType,
    Modality,
    SchedulingPolicy,
    Status,
)
from confide.scheduling.services import notify, waitlist

NOTE_LIMIT = 2000
TAKEN_MESSAGE = "That time was just taken — please choose another."


class SlotTaken(Exception):
    """The time is no longer free (someone else got it first). HTTP 409."""

    def __init__(self, message: str = TAKEN_MESSAGE):
        super().__init__(message)
        self.message = message


def book_appointment(
    ctx: RequestContext,
    *,
    client,
    therapist,
    appointment_type: AppointmentType,
    start_at: datetime,
    modality: str,
    note: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book ``appointment_type`` with ``therapist`` at ``start_at`` for ``client``.

    Checks, before anything is written: the actor is the client; the therapist
    may treat the client where they are (directory ``may_treat``); telehealth
    consent for telehealth modalities; the first appointment is an intake;
    jurisdiction rules for the modality. Then, under the therapist lock, that
    the slot is still offered. Side effects: audit ``appointment.book``; an
    intake starts the care relationship (``accounts.start_care``); e-mails and
    reminders are queued in the same transaction; the directory's availability
    summary is refreshed after commit. Raises ValidationError (422) or SlotTaken (409).
    """
    now = now or timezone.now()
    authorize(ctx, policies.can_book_for, client, action="appointment.book", object_type="user", subject=client)
    start_at = aware_utc(start_at)
    _check_booking_request(client, therapist, appointment_type, start_at, modality, note, now)
    try:
        with transaction.atomic():
            policy = _lock(therapist)
            _ensure_free(therapist, appointment_type, start_at, client, now, policy=policy)
            appointment = _create(ctx, client, therapist, appointment_type, policy, start_at, modality, note)
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise SlotTaken() from None
        raise
    return appointment


def _check_booking_request(client, therapist, appointment_type, start_at, modality, note, now) -> None:
    if getattr(therapist, "role", None) != Role.THERAPIST or not therapist.is_active:
        raise ValidationError({"therapist": "There is no therapist with that id."})
    if appointment_type.therapist_id != therapist.pk or not appointment_type.active:
        raise ValidationError({"appointment_type": "This therapist does not offer that appointment type."})
    if len(note) > NOTE_LIMIT:
        raise ValidationError({"note": f"Keep the note under {NOTE_LIMIT} characters."})
    if start_at <= now:
        raise ValidationError({"start": "That time is in the past."})
    problem = rules.kind_problem(client, therapist, appointment_type.kind)
    if problem:
        raise ValidationError({"appointment_type": problem})
    _check_modality_and_licence(client, therapist, start_at, modality, policy=policy_for(therapist))


def _check_modality_and_licence(client, therapist, start_at, modality, *, ignore=None, policy=None) -> None:
    if modality not in Modality.values:
        raise ValidationError({"modality": f"Choose one of: {', '.join(Modality.values)}."})
    jurisdiction = rules.client_jurisdiction(client)
    # The session's date where the client is, not in UTC: 19:00 on 31 December in New York is 1 January in UTC.
    on = client_local_date(client, start_at, jurisdiction=jurisdiction)
    problem = rules.licence_problem(therapist, client, on=on, jurisdiction=jurisdiction)
    if problem:
        raise ValidationError({"therapist": problem})
    policy = policy or policy_for(therapist)
    reason = rules.modality_problem(
        policy, client, therapist, modality, on, jurisdiction, before=start_at, ignore=ignore
    )
    if reason:
        raise ValidationError({"modality": f"{Modality(modality).label} is not available: {reason}"})
    if rules.needs_consent(modality) and not rules.consent_satisfied(client):
        raise ValidationError({"consent": f"{rules.CONSENT_MESSAGE} ({rules.consent_url()})"})


def _lock(therapist) -> SchedulingPolicy:
    """Serialise bookings per therapist: a row lock on PostgreSQL (SQLite's IMMEDIATE BEGIN already did).

    Returns the policy as of now, read under the lock; the checks that follow use it.
    """
    policy_for(therapist)  # exists before the lock (get_or_create cannot lock a missing row)
    return SchedulingPolicy.objects.select_for_update().get(therapist=therapist)


def _ensure_free(therapist, appointment_type, start_at, client, now, *, ignore=None, policy=None) -> None:
    """Raise unless ``start_at`` is still an offered slot (under the lock, so the answer holds until commit)."""
    window = available_slots(
        therapist,
        appointment_type,
        start_at,
        start_at + timedelta(minutes=1),
        zone_of(therapist),
        viewer=client,
        ignore_appointment=ignore,
        now=now,
        policy=policy,
    )
    if not window or window[0].start != start_at:
        _explain_unavailable(therapist, appointment_type, start_at, client, now, ignore)
    end_at = start_at + timedelta(minutes=appointment_type.minutes)
    clash = Appointment.objects.filter(
        client=client, status__in=ACTIVE_STATUSES, start_at__lt=end_at, end_at__gt=start_at
    )
    if ignore is not None:
        clash = clash.exclude(pk=ignore.pk)
    if clash.exists():
        raise ValidationError({"start": "You already have an appointment at that time."})


def _explain_unavailable(therapist, appointment_type, start_at, client, now, ignore) -> None:
    """Say precisely why a time is not offered; a time someone holds is 409, the rest 422."""
    policy = policy_for(therapist)
    rule_set = load_rules(
        therapist, appointment_type, start_at, start_at + timedelta(minutes=1), viewer=client, ignore=ignore, now=now
    )
    end_at = start_at + timedelta(minutes=appointment_type.minutes)
    if start_at < now + timedelta(hours=policy.min_notice_hours):
        raise ValidationError(
            {"start": f"That is too soon: this therapist needs {policy.min_notice_hours} hours' notice."}
        )
    if start_at >= now + timedelta(days=policy.horizon_days):
        raise ValidationError({"start": f"This therapist takes bookings up to {policy.horizon_days} days ahead."})
    buffer = rule_set.buffer
    if any(s - buffer < end_at and start_at < e + buffer for s, e in rule_set.busy):
        raise SlotTaken()
    raise ValidationError(
        {
            "start": "That time is not offered: it is outside the therapist's hours, during time off, "
            "or on a day or week that is already full."
        }
    )


def _create(ctx, client, therapist, appointment_type, policy, start_at, modality, note) -> Appointment:
    confirmed = not policy.confirm_manually
    appointment = Appointment.objects.create(
        client=client,
        therapist=therapist,
        appointment_type=appointment_type,
        kind=appointment_type.kind,
        modality=modality,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=appointment_type.minutes),
        status=Status.CONFIRMED if confirmed else Status.REQUESTED,
        confirmed_at=timezone.now() if confirmed else None,
        booked_by=ctx.user,
        note=note.strip(),
        price=appointment_type.price,
        currency=appointment_type.currency,
        late_cancel_hours=policy.late_cancel_hours,
        late_cancel_fee=policy.late_cancel_fee,
    )
    if appointment.kind == AppointmentKind.INTAKE:
        from confide.accounts.services import start_care

        start_care(client, therapist)
    waitlist.close_offer_on_booking(appointment)
    notify.appointment_changed(appointment, "booked")
    notify.refresh_summary_after_commit(therapist)
    # Last: the audit append locks the one chain head until commit, so hold it as briefly as possible.
    record_event(ctx, "appointment.create", object_type="appointment", object_id=appointment.pk, subject=client)
    return appointment


def _is_overlap(exc: IntegrityError) -> bool:
    return "no_overlapping_appointments" in str(exc) or "exclusion" in str(exc).lower()


@dataclass(frozen=True)
class Terms:
    """The late-cancellation policy as it applies to one person changing one appointment now."""

    window_hours: int
    fee: Decimal
    currency: str
    deadline: datetime
    late: bool
    fee_applies: Decimal

    def describe(self, zone) -> str:
        if not self.window_hours or not self.fee:
            return "You can cancel or reschedule free of charge up to the start."
        text = (
            f"Free cancellation or rescheduling until {format_local(self.deadline, zone)}; "
            f"after that a late-change fee of {self.currency} {self.fee} applies."
        )
        if self.late and self.fee_applies:
            text += f" That time has passed: changing now costs {self.currency} {self.fee_applies}."
        elif self.late:
            text += " As the therapist you may change it without a fee to the client."
        return text


def booking_terms(policy: SchedulingPolicy, appointment_type: AppointmentType, start_at: datetime) -> Terms:
    deadline = start_at - timedelta(hours=policy.late_cancel_hours)
    return Terms(
        policy.late_cancel_hours, policy.late_cancel_fee, appointment_type.currency, deadline, False, Decimal("0.00")
    )


def cancellation_terms(appointment: Appointment, actor, now: datetime | None = None) -> Terms:
    """What cancelling or rescheduling now means for ``actor``: late? fee? (therapists never cause a client fee)."""
    now = now or timezone.now()
    deadline = appointment.start_at - timedelta(hours=appointment.late_cancel_hours)
    late = appointment.late_cancel_hours > 0 and now > deadline
    charged = late and actor is not None and actor.pk == appointment.client_id
    fee = appointment.late_cancel_fee if charged else Decimal("0.00")
    return Terms(appointment.late_cancel_hours, appointment.late_cancel_fee, appointment.currency, deadline, late, fee)


def _changeable(appointment: Appointment, now: datetime) -> None:
    if appointment.status not in ACTIVE_STATUSES:
        raise ValidationError(f"This appointment is {appointment.get_status_display().lower()}; it cannot be changed.")
    if appointment.start_at <= now:
        raise ValidationError("This appointment has already started; it cannot be changed.")


def _locked_copy(appointment: Appointment) -> Appointment:
    fresh = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if fresh.status not in ACTIVE_STATUSES or fresh.start_at != appointment.start_at:
        raise SlotTaken("This appointment was changed a moment ago — please reload and try again.")
    return fresh


def cancel_appointment(ctx: RequestContext, appointment: Appointment, *, reason: str = "", now=None) -> Appointment:
    """Cancel (client or therapist). A client inside the late window owes the fee recorded at booking.

    Side effects: audit ``appointment.cancel``; e-mails with a METHOD:CANCEL .ics;
    the freed time is offered to the waitlist first; the availability summary refreshes;
    cancelling the only intake ends the care relationship (``accounts.end_care``).
    """
    now = now or timezone.now()
    authorize(
        ctx, policies.can_change_appointment, appointment, action="appointment.cancel", subject=appointment.client
    )
    _changeable(appointment, now)
    if len(reason) > NOTE_LIMIT:
        raise ValidationError({"reason": f"Keep the reason under {NOTE_LIMIT} characters."})
    terms = cancellation_terms(appointment, ctx.user, now)
    with transaction.atomic():
        _lock(appointment.therapist)
        fresh = _locked_copy(appointment)
        fresh.status = Status.CANCELLED
        fresh.cancelled_at, fresh.cancelled_by, fresh.cancel_reason = now, ctx.user, reason.strip()
        fresh.late_cancellation, fresh.fee_due = terms.late and bool(terms.fee_applies), terms.fee_applies
        fresh.sequence += 1
        fresh.save()
        notify.appointment_changed(fresh, "cancelled")
        waitlist.offer_freed_time(fresh.therapist, fresh.start_at, fresh.end_at, now=now)
        notify.refresh_summary_after_commit(fresh.therapist)
        _end_care_if_never_started(ctx, fresh)
        record_event(ctx, "appointment.cancel", object_type="appointment", object_id=fresh.pk, subject=fresh.client)
    return fresh


def _end_care_if_never_started(ctx: RequestContext, cancelled: Appointment) -> None:
    """Booking an intake started care; with nothing else booked or held, cancelling it ends care again."""
    if cancelled.kind == AppointmentKind.INTAKE and rules.is_first_with(cancelled.client, cancelled.therapist):
        from confide.accounts.services import end_care

        end_care(ctx, cancelled.client, cancelled.therapist, reason="intake cancelled before it took place")


def reschedule_appointment(
    ctx: RequestContext, appointment: Appointment, new_start: datetime, *, modality: str | None = None, now=None
) -> Appointment:
    """Move an appointment (client or therapist) to another offered slot; same id, new time.

    A client moving it inside the late window owes the fee. Side effects: audit
    ``appointment.reschedule``; e-mails with an updated .ics (SEQUENCE+1); reminders
    re-queued; the old time goes to the waitlist first.
    """
    now = now or timezone.now()
    authorize(
        ctx, policies.can_change_appointment, appointment, action="appointment.reschedule", subject=appointment.client
    )
    _changeable(appointment, now)
    new_start = aware_utc(new_start)
    modality = modality or appointment.modality
    if new_start <= now:
        raise ValidationError({"start": "That time is in the past."})
    _check_modality_and_licence(appointment.client, appointment.therapist, new_start, modality, ignore=appointment)
    terms = cancellation_terms(appointment, ctx.user, now)
    try:
        with transaction.atomic():
            policy = _lock(appointment.therapist)
            fresh = _locked_copy(appointment)
            _ensure_free(
                fresh.therapist, fresh.appointment_type, new_start, fresh.client, now, ignore=fresh, policy=policy
            )
            old_start, old_end = fresh.start_at, fresh.end_at
            _move(fresh, new_start, modality, terms)
            notify.appointment_changed(fresh, "rescheduled")
            waitlist.offer_freed_time(fresh.therapist, old_start, old_end, now=now)
            notify.refresh_summary_after_commit(fresh.therapist)
            record_event(
                ctx, "appointment.reschedule", object_type="appointment", object_id=fresh.pk, subject=fresh.client
            )
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise SlotTaken() from None
        raise
    return fresh


def _move(appointment: Appointment, new_start: datetime, modality: str, terms: Terms) -> None:
    duration = appointment.end_at - appointment.start_at
    appointment.start_at, appointment.end_at, appointment.modality = new_start, new_start + duration, modality
    if terms.fee_applies:
        appointment.late_cancellation, appointment.fee_due = True, appointment.fee_due + terms.fee_applies
    appointment.reminder_24h_sent_at = appointment.reminder_1h_sent_at = None
    appointment.sequence += 1
    appointment.save()


TRANSITIONS = {
    Status.CONFIRMED: (Status.REQUESTED,),
    Status.COMPLETED: (Status.CONFIRMED,),
    Status.NO_SHOW: (Status.CONFIRMED,),
}


def set_status(ctx: RequestContext, appointment: Appointment, status: str, *, now=None) -> Appointment:
    """Therapist moves an appointment along: requested → confirmed; confirmed → completed / no-show (after start)."""
    now = now or timezone.now()
    authorize(
        ctx, policies.can_manage_appointment, appointment, action=f"appointment.{status}", subject=appointment.client
    )
    if status not in TRANSITIONS or appointment.status not in TRANSITIONS[status]:
        raise ValidationError(f"A {appointment.get_status_display().lower()} appointment cannot become {status}.")
    if status in (Status.COMPLETED, Status.NO_SHOW) and appointment.start_at > now:
        raise ValidationError("Only an appointment that has started can be completed or marked no-show.")
    with transaction.atomic():
        fresh = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if fresh.status != appointment.status:
            raise SlotTaken("This appointment was changed a moment ago — please reload and try again.")
        fresh.status = status
        if status == Status.CONFIRMED:
            fresh.confirmed_at = now
            fresh.sequence += 1
        fresh.save()
        record_event(ctx, f"appointment.{status}", object_type="appointment", object_id=fresh.pk, subject=fresh.client)
        if status == Status.CONFIRMED:
            notify.appointment_changed(fresh, "confirmed")
    return fresh


def read_note(ctx: RequestContext, appointment: Appointment) -> str:
    """The client's private note (PHI): the client and their therapist may read it; every read is audited."""
    authorize(
        ctx, policies.can_view_appointment, appointment, action="appointment.note.view", subject=appointment.client
    )
    return appointment.note

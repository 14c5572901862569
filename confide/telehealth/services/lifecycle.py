"""A visit's lifecycle: open (waiting room), admit, start (location confirmed), end (recorded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from confide.core.jurisdictions import jurisdiction_name, normalise_jurisdiction
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event
from confide.telehealth import policies
from confide.telehealth.models import Visit
from confide.telehealth.services import live


def visit_for(appointment) -> Visit:
    """The appointment's visit, created the first time anyone opens the room."""
    visit, _ = Visit.objects.get_or_create(appointment=appointment)
    return visit


def open_visit(ctx: RequestContext, appointment) -> Visit:
    """A participant opens the visit page. Side effects: audit ``visit.open``; Http404 for anyone else."""
    authorize(ctx, policies.is_participant, appointment, action="visit.open", subject=appointment.client)
    return visit_for(appointment)


def admit_client(ctx: RequestContext, visit: Visit, *, now: datetime | None = None) -> Visit:
    """The therapist lets the waiting client in. Idempotent. Side effects: audit ``visit.admit``; both told."""
    authorize(ctx, policies.can_manage_visit, visit, action="visit.admit", subject=visit.appointment.client)
    with transaction.atomic():
        fresh = Visit.objects.select_for_update().select_related("appointment").get(pk=visit.pk)
        _refuse_if_ended(fresh)
        _refuse_if_room_closed(ctx.user, fresh, now)
        if fresh.admitted_at is None:
            fresh.admitted_at = now or timezone.now()
            fresh.save(update_fields=["admitted_at", "updated_at"])
            record_event(ctx, "visit.admit", object_type="visit", object_id=fresh.pk, subject=fresh.appointment.client)
            # Only the first admission is announced: a second click (or a second tab) must not
            # make both browsers tear down a call that is already running.
            transaction.on_commit(partial(live.notify_room, fresh, {"type": "visit.admitted"}))
    return fresh


@dataclass(frozen=True)
class StartResult:
    visit: Visit
    warning: str  # '' when the client's location is inside the therapist's licensure


def start_visit(
    ctx: RequestContext,
    visit: Visit,
    *,
    jurisdiction: str,
    emergency_contact_confirmed: bool,
    now: datetime | None = None,
) -> StartResult:
    """The therapist confirms where the client is now and their emergency contact; the visit counts as started.

    Outside the therapist's licensure the visit still starts (a crisis call must
    not be cut off by a form): the therapist sees a warning and the audit log
    gets ``visit.outside_licensure``. Confirming again corrects the location
    but keeps the first start time. Side effects: audit ``visit.start``.
    """
    authorize(ctx, policies.can_manage_visit, visit, action="visit.start", subject=visit.appointment.client)
    code = _checked_location(jurisdiction, emergency_contact_confirmed)
    now = now or timezone.now()
    from confide.directory.services import client_local_date, may_treat

    # Judged on today's date where the client is (their zone, else the location just confirmed), not UTC's.
    decision = may_treat(ctx.user, code, on=client_local_date(visit.appointment.client, now, jurisdiction=code))
    with transaction.atomic():
        fresh = Visit.objects.select_for_update().select_related("appointment").get(pk=visit.pk)
        _refuse_if_ended(fresh)
        _refuse_if_room_closed(ctx.user, fresh, now)
        fresh.location, fresh.emergency_contact_confirmed = code, True
        fresh.outside_licensure = not decision.allowed
        fresh.licensure_note = decision.reason
        if fresh.started_at is None:
            fresh.started_at, fresh.state = now, Visit.State.IN_PROGRESS
        fresh.save()
        client = fresh.appointment.client
        record_event(ctx, "visit.start", object_type="visit", object_id=fresh.pk, subject=client)
        if not decision.allowed:
            record_event(
                ctx,
                "visit.outside_licensure",
                object_type="visit",
                object_id=fresh.pk,
                subject=client,
                reason="client located outside the therapist's licensure",
            )
    warning = "" if decision.allowed else _licensure_warning(code, decision.reason)
    return StartResult(fresh, warning)


def _checked_location(jurisdiction: str, emergency_contact_confirmed: bool) -> str:
    errors = {}
    try:
        code = normalise_jurisdiction(jurisdiction or "")
    except ValidationError:
        code = ""
        errors["jurisdiction"] = "Choose the state or country where the client is right now."
    if not emergency_contact_confirmed:
        errors["emergency_contact_confirmed"] = "Confirm the client's emergency contact with them before starting."
    if errors:
        raise ValidationError(errors)
    return code


def _licensure_warning(code: str, reason: str) -> str:
    return (
        f"The client says they are in {jurisdiction_name(code)}, which is outside your licensure ({reason}) "
        "This has been recorded. Decide whether to continue, refer, or reschedule once they are where you are licensed."
    )


def end_visit(ctx: RequestContext, visit: Visit, *, now: datetime | None = None) -> Visit:
    """The therapist ends the visit: actual start/end/minutes go on the appointment, which becomes completed.

    Requires a started visit (location confirmed). Side effects: audit
    ``visit.end`` and ``appointment.visit_recorded``; the open modality segment
    is closed; both participants are told and their sockets close.
    """
    authorize(ctx, policies.can_manage_visit, visit, action="visit.end", subject=visit.appointment.client)
    now = now or timezone.now()
    from confide.scheduling.services.visits import record_actual_visit

    with transaction.atomic():
        fresh = Visit.objects.select_for_update().select_related("appointment").get(pk=visit.pk)
        _refuse_if_ended(fresh)
        if fresh.started_at is None:
            raise ValidationError(
                "Confirm the client's location and emergency contact first: the visit has not started."
            )
        # A visit nobody ended cannot outlast its room: a therapist who presses "End" days later
        # records the room's closing time, not days of session (billing reads these minutes).
        ended = max(fresh.started_at, min(now, policies.latest_end(fresh.appointment)))
        fresh.state, fresh.ended_at = Visit.State.ENDED, ended
        fresh.save(update_fields=["state", "ended_at", "updated_at"])
        live.close_open_segment(fresh, ended)
        record_actual_visit(ctx, fresh.appointment, start_at=fresh.started_at, end_at=ended)
        record_event(ctx, "visit.end", object_type="visit", object_id=fresh.pk, subject=fresh.appointment.client)
        transaction.on_commit(partial(live.notify_room, fresh, {"type": "visit.ended"}))
    return fresh


def _refuse_if_ended(visit: Visit) -> None:
    if visit.state == Visit.State.ENDED:
        raise ValidationError("This visit has already ended.")


def _refuse_if_room_closed(user, visit: Visit, now: datetime | None) -> None:
    """Admit and start only while the room is open (not for a cancelled, too early or long past appointment)."""
    problem = policies.join_problem(user, visit.appointment, now=now)
    if problem:
        raise ValidationError(problem)

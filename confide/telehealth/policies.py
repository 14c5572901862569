"""Who may do what in a visit — one function per permission, shared by views, the API and the consumer."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from confide.accounts.models import Role

VISIT_MODALITIES = ("video", "audio")
OPENS_BEFORE_START = timedelta(minutes=10)
CLOSES_AFTER_END = timedelta(minutes=30)
# A visit that was started may run over; its room stays open this long after the booked end.
IN_PROGRESS_GRACE = timedelta(hours=2)


def latest_end(appointment) -> datetime:
    """The latest moment a started visit can count as lasting: its room closes then."""
    return appointment.end_at + IN_PROGRESS_GRACE


def is_participant(user, appointment) -> bool:
    """The appointment's client or therapist (and nobody else: staff never join sessions)."""
    return getattr(user, "pk", None) is not None and user.pk in (appointment.client_id, appointment.therapist_id)


def join_problem(user, appointment, *, now: datetime | None = None) -> str:
    """Why this participant cannot join now ('' when they can). Only ever shown to a participant."""
    now = now or timezone.now()
    visit = getattr(appointment, "visit", None) if has_visit(appointment) else None
    if appointment.modality not in VISIT_MODALITIES:
        return "This appointment is not a video or audio visit."
    if appointment.status != "confirmed":
        return f"This appointment is {appointment.get_status_display().lower()}, so its room is closed."
    if visit is not None and visit.state == "ended":
        return "This visit has ended."
    if now < appointment.start_at - OPENS_BEFORE_START:
        return "The room opens 10 minutes before the appointment starts."
    closes = appointment.end_at + (
        IN_PROGRESS_GRACE if visit is not None and visit.state == "in_progress" else CLOSES_AFTER_END
    )
    if now >= closes:
        return "This appointment's time has passed, so its room is closed."
    return ""


def has_visit(appointment) -> bool:
    from confide.telehealth.models import Visit

    try:
        appointment.visit  # noqa: B018 — touching the relation tells whether it exists
    except Visit.DoesNotExist:
        return False
    return True


def can_join_visit(user, appointment) -> bool:
    """A participant, with MFA if a clinician, at a time the room is open."""
    if not is_participant(user, appointment) or not getattr(user, "is_active", False):
        return False
    if user.role == Role.THERAPIST:
        from confide.accounts.policies import has_mfa

        if not has_mfa(user):
            return False
    return join_problem(user, appointment) == ""


def can_manage_visit(user, visit) -> bool:
    """Admit, start, end, see the backup phone: the appointment's therapist."""
    return getattr(user, "role", None) == Role.THERAPIST and user.pk == visit.appointment.therapist_id


def can_see_emergency_details(user, visit) -> bool:
    """The client's emergency plan and backup phone: the visit's therapist, only while its room is open.

    Why the time window: the numbers are for a session in progress (confirming the
    location at the start, calling back when the connection cannot be restored),
    not a directory of the client's phone numbers to browse any day.
    """
    return can_manage_visit(user, visit) and join_problem(user, visit.appointment) == ""


def can_view_visit_record(user, visit) -> bool:
    """When an ended visit ran and how it was connected: its two participants (staff see no clinical record)."""
    return is_participant(user, visit.appointment)


def can_take_part(user, visit) -> bool:
    """Chat and report media state: either participant."""
    return is_participant(user, visit.appointment)

"""Queue what people are told about an appointment — in the caller's transaction, so nothing leaks from a rollback."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from confide.scheduling.models import Appointment, Status


def appointment_changed(appointment: Appointment, event: str) -> None:
    """E-mail both people; (re)queue reminders for a confirmed appointment."""
    from confide.scheduling import tasks

    tasks.send_appointment_email.enqueue(str(appointment.pk), event, appointment.sequence)
    if appointment.status == Status.CONFIRMED and event in ("booked", "rescheduled", "confirmed"):
        schedule_reminders(appointment)


def schedule_reminders(appointment: Appointment, now: datetime | None = None) -> None:
    """24 h and 1 h before; a reminder whose moment has passed is not sent (the booking e-mail said it)."""
    from confide.scheduling import tasks

    now = now or timezone.now()
    for which, lead in tasks.REMINDER_LEAD.items():
        at = appointment.start_at - lead
        if at > now:
            tasks.send_reminder.using(run_after=at).enqueue(
                str(appointment.pk), which, appointment.start_at.isoformat()
            )


def refresh_summary_after_commit(therapist) -> None:
    """The directory shows real availability: recompute it in the background once this change is committed."""
    from confide.scheduling import tasks

    therapist_id = str(therapist.pk)
    transaction.on_commit(lambda: tasks.refresh_availability_summary.enqueue(therapist_id))

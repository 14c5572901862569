"""Background work (django-tasks, database backend): e-mails, reminders, waitlist offers, availability summaries.

Every task is idempotent: it re-reads the appointment and does nothing when the
state it was queued for has changed (a newer notice or reminder replaces it),
and reminders record when they were sent so a retry never sends twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)

REMINDER_FIELDS = {"24h": "reminder_24h_sent_at", "1h": "reminder_1h_sent_at"}
REMINDER_LEAD = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
SUMMARY_INTERVAL = timedelta(hours=1)


@task()
def send_appointment_email(appointment_id: str, event: str, sequence: int) -> str:
    """Tell both people about a booking, confirmation, move or cancellation (skipped if superseded)."""
    from confide.scheduling import emails
    from confide.scheduling.models import Appointment

    appointment = Appointment.objects.select_related("client", "therapist").filter(pk=appointment_id).first()
    if appointment is None or appointment.sequence != sequence:
        return "superseded"
    for person in (appointment.client, appointment.therapist):
        emails.change_notice(appointment, person, event).send()
    return "sent"


@task()
def send_reminder(appointment_id: str, which: str, start_iso: str) -> str:
    """The 24 h / 1 h reminder, to both people; only for a confirmed appointment still at that time."""
    from confide.scheduling import emails
    from confide.scheduling.models import Appointment, Status

    field = REMINDER_FIELDS[which]
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update().select_related("client", "therapist").filter(pk=appointment_id)
        ).first()
        if appointment is None or appointment.status != Status.CONFIRMED:
            return "not confirmed"
        if appointment.start_at != datetime.fromisoformat(start_iso) or getattr(appointment, field) is not None:
            return "superseded or already sent"
        setattr(appointment, field, timezone.now())
        appointment.save(update_fields=[field, "updated_at"])
        # Sent inside the transaction: if sending fails, the marker rolls back and a retry may send.
        for person in (appointment.client, appointment.therapist):
            emails.reminder(appointment, person).send()
    return "sent"


@task()
def expire_waitlist_offer(entry_id: str) -> str:
    from confide.scheduling.services import waitlist

    return waitlist.expire_offer(entry_id)


@task()
def send_waitlist_offer(entry_id: str) -> str:
    from confide.scheduling.services import waitlist

    return waitlist.send_offer_email(entry_id)


@task()
def refresh_availability_summary(therapist_id: str) -> str:
    from confide.scheduling import summary

    return summary.refresh_for_id(therapist_id)


@task()
def refresh_all_availability_summaries(reschedule: bool = True) -> int:
    """Recompute every therapist's summary as time passes; with ``reschedule`` it queues its next run in an hour."""
    from confide.scheduling import summary

    count = summary.refresh_all()
    if reschedule:
        summary.ensure_periodic_refresh(after=SUMMARY_INTERVAL)
    return count

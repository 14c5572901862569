"""The words of appointment e-mails. No PHI, ever (DESIGN §4).

They say *when* (in the recipient's own zone, labelled) and link to Confide;
never the therapist's name or credentials, a specialty, the client's note or
reason, or a cancellation reason. Only ids that are opaque appear in links.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from confide.core.times import zone_name
from confide.scheduling import ics
from confide.scheduling.availability import display_zone
from confide.scheduling.models import Appointment

SUBJECTS = {
    "booked": "Your Confide appointment is booked",
    "confirmed": "Your Confide appointment is confirmed",
    "rescheduled": "Your Confide appointment has moved",
    "cancelled": "Your Confide appointment was cancelled",
}
OPENINGS = {
    "booked": "Your Confide appointment is {when}.",
    "confirmed": "Your Confide appointment {when} is confirmed.",
    "rescheduled": "Your Confide appointment has moved: it is now {when}.",
    "cancelled": "Your Confide appointment {when} was cancelled.",
}


def when_text(start: datetime, zone: ZoneInfo, now: datetime | None = None) -> str:
    """“tomorrow at 15:00 (Europe/Berlin)”, “today at …” or “on Tue 3 Mar 2026 at …”."""
    local = start.astimezone(zone)
    today = (now or timezone.now()).astimezone(zone).date()
    clock = f"{local:%H:%M} ({zone_name(zone)})"
    if local.date() == today:
        return f"today at {clock}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow at {clock}"
    return f"on {local:%a} {local.day} {local:%b %Y} at {clock}"


def _body(opening: str, appointment: Appointment) -> str:
    return (
        f"{opening}\n\n"
        f"How: {appointment.get_modality_display()}\n"
        f"Details, changes and joining: {ics.appointment_url(appointment)}\n\n"
        "You receive this because you have an account on Confide. "
        "For your privacy this e-mail never says more than the time.\n"
    )


def change_notice(appointment: Appointment, recipient, event: str) -> EmailMessage:
    """Booked / confirmed / rescheduled / cancelled, with the .ics (REQUEST or CANCEL)."""
    opening = OPENINGS[event].format(when=when_text(appointment.start_at, display_zone(recipient)))
    message = EmailMessage(SUBJECTS[event], _body(opening, appointment), settings.DEFAULT_FROM_EMAIL, [recipient.email])
    message.attach(*ics.attachment_for(appointment))
    return message


def reminder(appointment: Appointment, recipient) -> EmailMessage:
    when = when_text(appointment.start_at, display_zone(recipient))
    subject = f"Reminder: your Confide appointment is {when}"
    opening = f"Your Confide appointment is {when}."
    message = EmailMessage(subject, _body(opening, appointment), settings.DEFAULT_FROM_EMAIL, [recipient.email])
    message.attach(*ics.attachment_for(appointment))
    return message


def waitlist_offer(entry, appointment_url: str) -> EmailMessage:
    when = when_text(entry.offered_start_at, display_zone(entry.client))
    until = when_text(entry.offer_expires_at, display_zone(entry.client))
    body = (
        f"A Confide appointment time opened up {when}. It is held for you until {until}.\n\n"
        f"Take it or let it go: {appointment_url}\n\n"
        "You receive this because you joined a waitlist on Confide.\n"
    )
    return EmailMessage("A Confide appointment time opened up", body, settings.DEFAULT_FROM_EMAIL, [entry.client.email])

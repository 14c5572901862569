"""iCalendar (.ics) for appointments: e-mail attachments and the private feed.

Same rule as e-mail: no PHI. The event says "Confide appointment", the time,
the modality and a link — never a therapist's name or credentials, a specialty,
or the reason for the visit.
"""

from __future__ import annotations

from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from confide.scheduling.models import Appointment, Modality, Status

PRODID = "-//Confide//Scheduling//EN"
SUMMARY = "Confide appointment"
ICS_STATUS = {
    Status.REQUESTED: "TENTATIVE",
    Status.CONFIRMED: "CONFIRMED",
    Status.COMPLETED: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
    Status.NO_SHOW: "CANCELLED",
}


def appointment_url(appointment: Appointment) -> str:
    return settings.SITE_URL + reverse("appointment_detail", args=[appointment.pk])


def location(appointment: Appointment) -> str:
    if appointment.modality == Modality.IN_PERSON:
        return "In person — the address is on your Confide appointment page"
    return f"Online ({Modality(appointment.modality).label}) — join from Confide"


def event_for(appointment: Appointment) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{appointment.pk}@confide")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.start_at)
    event.add("dtend", appointment.end_at)
    event.add("sequence", appointment.sequence)
    event.add("summary", SUMMARY)
    event.add("status", ICS_STATUS[appointment.status])
    event.add("location", location(appointment))
    event.add("url", appointment_url(appointment))
    event.add("description", f"Details and changes: {appointment_url(appointment)}")
    return event


def calendar_bytes(appointments: Iterable[Appointment], *, method: str | None = None, name: str = "") -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for appointment in appointments:
        calendar.add_component(event_for(appointment))
    return calendar.to_ical()


def attachment_for(appointment: Appointment) -> tuple[str, bytes, str]:
    """(filename, content, mimetype) for an e-mail: REQUEST while it stands, CANCEL once cancelled."""
    method = "CANCEL" if appointment.status == Status.CANCELLED else "REQUEST"
    content = calendar_bytes([appointment], method=method)
    return "confide-appointment.ics", content, f"text/calendar; method={method}; charset=utf-8"

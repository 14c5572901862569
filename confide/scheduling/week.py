"""The therapist's week as days of open time and appointments, in their own zone (for the calendar page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from confide.scheduling import slots
from confide.scheduling.availability import load_rules, zone_of
from confide.scheduling.models import Appointment, AppointmentType


@dataclass
class Day:
    date: date
    open: list[tuple[datetime, datetime]] = field(default_factory=list)  # local times
    appointments: list[Appointment] = field(default_factory=list)
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def build_week(therapist, monday: date) -> list[Day]:
    zone = zone_of(therapist)
    start = slots.to_instant(monday, datetime.min.time(), zone)
    end = slots.to_instant(monday + timedelta(days=7), datetime.min.time(), zone)
    probe = AppointmentType(therapist=therapist, minutes=10)  # open time does not depend on the type
    rules = load_rules(therapist, probe, start, end, now=start)
    days = {monday + timedelta(days=i): Day(monday + timedelta(days=i)) for i in range(7)}
    for s, e in slots.open_intervals(rules, start, end):
        _spread(days, s, e, zone, "open")
    for s, e in rules.time_off:
        _spread(days, max(s, start), min(e, end), zone, "time_off")
    appointments = Appointment.objects.filter(
        therapist=therapist, start_at__gte=start, start_at__lt=end
    ).select_related("client")
    for appointment in appointments.order_by("start_at"):
        day = days.get(appointment.start_at.astimezone(zone).date())
        if day is not None:
            day.appointments.append(appointment)
    return list(days.values())


def _spread(days: dict[date, Day], start: datetime, end: datetime, zone, attr: str) -> None:
    """Add [start, end) to each local day it touches, clipped to that day."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    current = local_start.date()
    while current <= local_end.date():
        day = days.get(current)
        if day is not None:
            day_start = slots.to_instant(current, datetime.min.time(), zone).astimezone(zone)
            day_end = slots.to_instant(current + timedelta(days=1), datetime.min.time(), zone).astimezone(zone)
            piece = (max(local_start, day_start), min(local_end, day_end))
            if piece[1] > piece[0]:
                getattr(day, attr).append(piece)
        current += timedelta(days=1)

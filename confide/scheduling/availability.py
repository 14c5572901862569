"""From the database to offered slots: ``available_slots(therapist, type, start, end, viewer_tz)``.

Loads only what the window needs (hours, the window's exceptions, its active
appointments via the (therapist, start_at) index, live waitlist holds) and hands
them to the pure ``slots.available_starts``. The viewer's zone only labels the
result; the instants are the same for every viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils import timezone

from confide.core.times import format_local, zone_of  # noqa: F401 — callers import them from here too
from confide.directory.client_dates import display_zone  # noqa: F401 — callers import it from here too
from confide.scheduling import slots
from confide.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    AvailabilityException,
    SchedulingPolicy,
    WaitlistEntry,
    WeeklyHours,
)

# Appointments last at most 4 hours (AppointmentType.minutes ≤ 240), so looking a day
# beyond the window finds every one that could overlap it.
MARGIN = timedelta(days=1)
MAX_WINDOW = timedelta(days=92)


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    viewer_zone: ZoneInfo

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.viewer_zone)

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(self.viewer_zone)

    @property
    def label(self) -> str:
        """“Tue 3 Mar 2026, 15:00 (Europe/Berlin)” — always with the zone."""
        return format_local(self.start, self.viewer_zone)


def zone_or_error(name: str) -> ZoneInfo:
    """A ZoneInfo for a name a person or client program sent; a clear error if unknown."""
    try:
        if not name or "/" not in name and name != "UTC":
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"tz": f"“{name}” is not a known time zone (e.g. Europe/Berlin)."}) from None


def policy_for(therapist) -> SchedulingPolicy:
    policy, _ = SchedulingPolicy.objects.get_or_create(therapist=therapist)
    return policy


def aware_utc(value: datetime, field: str = "start") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError({field: "Give the time with a UTC offset, e.g. 2026-03-09T14:00:00Z."})
    return value.astimezone(UTC)


def available_slots(
    therapist,
    appointment_type: AppointmentType,
    start: datetime,
    end: datetime,
    viewer_tz: str | ZoneInfo,
    *,
    viewer=None,
    ignore_appointment=None,
    now: datetime | None = None,
    policy: SchedulingPolicy | None = None,
) -> list[Slot]:
    """Bookable slots of ``appointment_type`` with ``therapist`` in ``[start, end)``.

    ``viewer`` (a client) may see a time held for them from the waitlist, which
    others do not see; ``ignore_appointment`` frees an appointment's own time
    when it is being rescheduled.
    """
    zone = viewer_tz if isinstance(viewer_tz, ZoneInfo) else zone_or_error(viewer_tz)
    start, end = aware_utc(start, "start"), aware_utc(end, "end")
    if end <= start:
        raise ValidationError({"end": "The end of the window must be after its start."})
    if end - start > MAX_WINDOW:
        raise ValidationError({"end": "Ask for at most 92 days at a time."})
    rules = load_rules(
        therapist, appointment_type, start, end, viewer=viewer, ignore=ignore_appointment, now=now, policy=policy
    )
    duration = timedelta(minutes=appointment_type.minutes)
    return [Slot(s, s + duration, zone) for s in slots.available_starts(rules, start, end)]


def load_rules(
    therapist, appointment_type, start, end, *, viewer=None, ignore=None, now=None, policy=None
) -> slots.Rules:
    policy = policy or policy_for(therapist)
    zone = zone_of(therapist)
    now = now or timezone.now()
    week_start, week_end = _week_bounds(start, end, zone)
    appointments = Appointment.objects.filter(
        therapist=therapist,
        status__in=ACTIVE_STATUSES,
        start_at__gte=min(week_start, start - MARGIN),
        start_at__lt=max(week_end, end + MARGIN),
    ).values_list("id", "start_at", "end_at")
    booked = [(s, e) for pk, s, e in appointments if ignore is None or pk != ignore.pk]
    exceptions = AvailabilityException.objects.filter(
        therapist=therapist, starts_at__lt=end + MARGIN, ends_at__gt=start - MARGIN
    ).values_list("kind", "starts_at", "ends_at")
    return slots.Rules(
        zone=zone,
        weekly=tuple(
            slots.WeeklyBlock(w, s, e)
            for w, s, e in WeeklyHours.objects.filter(therapist=therapist).values_list(
                "weekday", "start_time", "end_time"
            )
        ),
        duration=timedelta(minutes=appointment_type.minutes),
        step=timedelta(minutes=policy.slot_step_minutes),
        buffer=timedelta(minutes=policy.buffer_minutes),
        extra=tuple((s, e) for kind, s, e in exceptions if kind == AvailabilityException.Kind.EXTRA_HOURS),
        time_off=tuple((s, e) for kind, s, e in exceptions if kind == AvailabilityException.Kind.TIME_OFF),
        busy=tuple(booked) + tuple(_held_for_others(therapist, viewer, start, end, now)),
        earliest=now + timedelta(hours=policy.min_notice_hours),
        latest=now + timedelta(days=policy.horizon_days),
        max_per_day=policy.max_per_day,
        max_per_week=policy.max_per_week,
        booked_starts=tuple(s for s, _ in booked),
    )


def _week_bounds(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC bounds of the therapist's local ISO weeks that touch the window (for the weekly cap)."""
    first: date = start.astimezone(zone).date()
    first -= timedelta(days=first.weekday())
    last: date = end.astimezone(zone).date()
    last += timedelta(days=7 - last.weekday())
    return slots.to_instant(first, datetime.min.time(), zone), slots.to_instant(last, datetime.min.time(), zone)


def _held_for_others(therapist, viewer, start, end, now):
    """Times offered to someone on the waitlist are busy for everyone else until the offer ends."""
    holds = WaitlistEntry.objects.filter(
        therapist=therapist,
        state=WaitlistEntry.State.OFFERED,
        offer_expires_at__gt=now,
        offered_start_at__lt=end + MARGIN,
        offered_end_at__gt=start - MARGIN,
    )
    if viewer is not None:
        holds = holds.exclude(client=viewer)
    return holds.values_list("offered_start_at", "offered_end_at")


def group_by_day(slot_list: list[Slot]) -> list[tuple[date, list[Slot]]]:
    """Slots grouped by the viewer's local calendar day, in order."""
    days: dict[date, list[Slot]] = {}
    for slot in slot_list:
        days.setdefault(slot.local_start.date(), []).append(slot)
    return list(days.items())

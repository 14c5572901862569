"""A therapist's own scheduling set-up: weekly hours, time off and extra hours, appointment types, policy.

Each verb authorises (the therapist themself), writes in one transaction with
its audit event, and refreshes the directory's availability summary after commit.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext
from confide.scheduling import policies, slots
from confide.scheduling.availability import policy_for, zone_of
from confide.scheduling.models import (
    DEFAULT_MINUTES,
    AppointmentKind,
    AppointmentType,
    AvailabilityException,
    SchedulingPolicy,
    WeeklyHours,
)
from confide.scheduling.services import notify

POLICY_FIELDS = (
    "buffer_minutes",
    "min_notice_hours",
    "horizon_days",
    "max_per_day",
    "max_per_week",
    "slot_step_minutes",
    "late_cancel_hours",
    "late_cancel_fee",
    "confirm_manually",
    "offers_video",
    "offers_audio",
    "offers_chat",
    "offers_in_person",
    "office_address",
)


def _authorize(ctx: RequestContext, therapist, action: str) -> None:
    authorize(ctx, policies.can_manage_availability, therapist, action=action, object_type="user")


def ensure_defaults(therapist) -> SchedulingPolicy:
    """A policy and the three appointment types with their usual lengths (idempotent)."""
    policy = policy_for(therapist)
    for kind, minutes in DEFAULT_MINUTES.items():
        AppointmentType.objects.get_or_create(therapist=therapist, kind=kind, defaults={"minutes": minutes})
    return policy


def set_weekly_hours(ctx: RequestContext, therapist, blocks: list[tuple[int, time, time]]) -> list[WeeklyHours]:
    """Replace the weekly hours with ``blocks`` of (weekday, start, end) in the therapist's zone."""
    _authorize(ctx, therapist, "availability.hours.update")
    _validate_blocks(blocks)
    with transaction.atomic():
        WeeklyHours.objects.filter(therapist=therapist).delete()
        rows = WeeklyHours.objects.bulk_create(
            WeeklyHours(therapist=therapist, weekday=w, start_time=s, end_time=e) for w, s, e in sorted(blocks)
        )
        notify.refresh_summary_after_commit(therapist)
    return rows


def _validate_blocks(blocks) -> None:
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, start, end in blocks:
        if weekday not in range(7):
            raise ValidationError({"weekday": "Weekdays are 0 (Monday) to 6 (Sunday)."})
        if end <= start:
            raise ValidationError({"hours": f"On {_day_name(weekday)} the end ({end:%H:%M}) must be after the start."})
        by_day.setdefault(weekday, []).append((start, end))
    for weekday, spans in by_day.items():
        spans.sort()
        for (_, first_end), (second_start, _) in zip(spans, spans[1:], strict=False):
            if second_start < first_end:
                raise ValidationError({"hours": f"Two blocks on {_day_name(weekday)} overlap."})


def _day_name(weekday: int) -> str:
    return ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][weekday]


def add_exception(
    ctx: RequestContext, therapist, *, kind: str, start_local: datetime, end_local: datetime, label: str = ""
) -> AvailabilityException:
    """Time off or extra hours, given as wall-clock times in the therapist's zone (stored as UTC)."""
    _authorize(ctx, therapist, "availability.exception.add")
    if kind not in AvailabilityException.Kind.values:
        raise ValidationError({"kind": "Choose time off or extra hours."})
    zone = zone_of(therapist)
    start = slots.to_instant(start_local.date(), start_local.time(), zone)
    end = slots.to_instant(end_local.date(), end_local.time(), zone)
    if end <= start:
        raise ValidationError({"end": "The end must be after the start."})
    if (end - start).days > 366:
        raise ValidationError({"end": "Enter at most a year at a time."})
    with transaction.atomic():
        exception = AvailabilityException.objects.create(
            therapist=therapist, kind=kind, starts_at=start, ends_at=end, label=label.strip()[:80]
        )
        notify.refresh_summary_after_commit(therapist)
    return exception


def remove_exception(ctx: RequestContext, exception: AvailabilityException) -> None:
    authorize(
        ctx,
        lambda user, exc: policies.can_manage_availability(user, exc.therapist),
        exception,
        action="availability.exception.remove",
    )
    with transaction.atomic():
        exception.delete()
        notify.refresh_summary_after_commit(exception.therapist)


def save_appointment_type(
    ctx: RequestContext, therapist, *, kind: str, minutes: int, price, currency: str = "USD", active: bool = True
) -> AppointmentType:
    _authorize(ctx, therapist, "availability.type.update")
    if kind not in AppointmentKind.values:
        raise ValidationError({"kind": "Unknown appointment type."})
    try:
        price = Decimal(str(price))
    except InvalidOperation:
        raise ValidationError({"price": "Enter a price such as 120.00."}) from None
    with transaction.atomic():
        row, _ = AppointmentType.objects.get_or_create(therapist=therapist, kind=kind, defaults={"minutes": minutes})
        row.minutes, row.price, row.currency, row.active = minutes, price, currency.upper(), active
        row.full_clean()
        row.save()
        notify.refresh_summary_after_commit(therapist)
    return row


def save_policy(ctx: RequestContext, therapist, **values) -> SchedulingPolicy:
    """Update the therapist's rules; unknown names are refused, everything is validated before saving."""
    _authorize(ctx, therapist, "availability.policy.update")
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        policy = SchedulingPolicy.objects.select_for_update().get(pk=policy_for(therapist).pk)
        for name, value in values.items():
            setattr(policy, name, value)
        policy.full_clean()
        if policy.offers_in_person and not policy.office_address.strip():
            raise ValidationError({"office_address": "Give the address where in-person sessions happen."})
        policy.save()
        notify.refresh_summary_after_commit(therapist)
    return policy

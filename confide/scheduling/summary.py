"""The directory's availability summary for each therapist (so search shows real availability).

Computed from the same slot function clients see, for new clients (the intake
type, else the first active type), over the next 30 days, and handed to
``directory.services.update_availability_summary``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from confide.accounts.models import Role, User
from confide.scheduling.availability import available_slots, zone_of
from confide.scheduling.models import AppointmentKind, AppointmentType

log = logging.getLogger(__name__)
WINDOW = timedelta(days=30)
EVENING_HOUR = 17


@dataclass(frozen=True)
class Summary:
    soonest_open_at: datetime | None
    has_evening: bool
    has_weekend: bool
    open_slots_30d: int


def compute(therapist, now: datetime | None = None) -> Summary:
    now = now or timezone.now()
    types = list(AppointmentType.objects.filter(therapist=therapist, active=True))
    chosen = next((t for t in types if t.kind == AppointmentKind.INTAKE), types[0] if types else None)
    if chosen is None:
        return Summary(None, False, False, 0)
    zone = zone_of(therapist)
    found = available_slots(therapist, chosen, now, now + WINDOW, zone, now=now)
    local = [slot.local_start for slot in found]
    return Summary(
        soonest_open_at=found[0].start if found else None,
        has_evening=any(t.hour >= EVENING_HOUR for t in local),
        has_weekend=any(t.weekday() >= 5 for t in local),
        open_slots_30d=len(found),
    )


def publish(therapist, now: datetime | None = None) -> Summary:
    summary = compute(therapist, now)
    try:
        from confide.directory.services import update_availability_summary
    except ImportError:
        log.warning("directory.services.update_availability_summary is missing; availability not published")
        return summary
    update_availability_summary(
        therapist,
        soonest_open_at=summary.soonest_open_at,
        has_evening=summary.has_evening,
        has_weekend=summary.has_weekend,
        open_slots_30d=summary.open_slots_30d,
    )
    return summary


def refresh_for_id(therapist_id: str) -> str:
    therapist = User.objects.filter(pk=therapist_id, role=Role.THERAPIST, is_active=True).first()
    if therapist is None:
        return "no such therapist"
    summary = publish(therapist)
    return f"{summary.open_slots_30d} open slots"


def refresh_all() -> int:
    count = 0
    for therapist in User.objects.filter(role=Role.THERAPIST, is_active=True).iterator():
        publish(therapist)
        count += 1
    return count


def ensure_periodic_refresh(after: timedelta) -> bool:
    """Queue the next all-therapist refresh unless one is already waiting. Returns True if it queued one."""
    from django_tasks_db.models import DBTaskResult

    from confide.scheduling import tasks

    path = tasks.refresh_all_availability_summaries.module_path
    if DBTaskResult.objects.filter(task_path=path, status="READY").exists():
        return False
    tasks.refresh_all_availability_summaries.using(run_after=timezone.now() + after).enqueue()
    return True

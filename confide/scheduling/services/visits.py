"""The visit as it actually happened: actual start, end and minutes, and completion.

Telehealth calls :func:`record_actual_visit` when the therapist ends a visit;
billing reads the three ``actual_*`` columns (CPT time bands, proration). It
lives in scheduling because it writes the appointment, and telehealth sits
above scheduling (it may call down, never the other way round).
"""

from __future__ import annotations

import math
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event
from confide.scheduling import policies
from confide.scheduling.availability import aware_utc
from confide.scheduling.models import Appointment, Status

RECORDABLE_STATUSES = (Status.CONFIRMED, Status.COMPLETED)


def actual_minutes_between(start_at: datetime, end_at: datetime) -> int:
    """Whole minutes, rounded half up (CPT counts a minute once more than half of it has passed)."""
    seconds = (end_at - start_at).total_seconds()
    return max(0, math.floor(seconds / 60 + 0.5))


def record_actual_visit(
    ctx: RequestContext, appointment: Appointment, *, start_at: datetime, end_at: datetime
) -> Appointment:
    """The therapist records when the visit really ran; the appointment becomes completed.

    Side effects: audit ``appointment.visit_recorded``. Recording again (a
    corrected end) overwrites the times of an already completed appointment.
    Raises ValidationError for a cancelled or no-show appointment or an end
    before the start.
    """
    authorize(
        ctx,
        policies.can_manage_appointment,
        appointment,
        action="appointment.visit_recorded",
        subject=appointment.client,
    )
    start_at, end_at = aware_utc(start_at), aware_utc(end_at)
    if end_at < start_at:
        raise ValidationError("A visit cannot end before it started.")
    with transaction.atomic():
        fresh = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if fresh.status not in RECORDABLE_STATUSES:
            raise ValidationError(f"A {fresh.get_status_display().lower()} appointment cannot be recorded as held.")
        fresh.actual_start_at, fresh.actual_end_at = start_at, end_at
        fresh.actual_minutes = actual_minutes_between(start_at, end_at)
        fresh.status = Status.COMPLETED
        fresh.save()
        record_event(
            ctx, "appointment.visit_recorded", object_type="appointment", object_id=fresh.pk, subject=fresh.client
        )
    return fresh

"""A therapist's reply promise: expected reply time, working hours and the automatic reply."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from confide.messaging import policies
from confide.messaging.models import TherapistMessagingSettings
from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event

FIELDS = ("reply_within_hours", "work_days", "work_start", "work_end", "auto_reply_enabled", "auto_reply_text")


def reply_settings_for(therapist) -> TherapistMessagingSettings:
    prefs, _ = TherapistMessagingSettings.objects.get_or_create(therapist=therapist)
    return prefs


def update_reply_settings(ctx: RequestContext, therapist, **values) -> TherapistMessagingSettings:
    """Save the therapist's settings. Side effect: audit ``messaging_settings.update``."""
    authorize(
        ctx, policies.can_manage_reply_settings, therapist, action="messaging_settings.update", hide_existence=False
    )
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValidationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    _validate(values)
    with transaction.atomic():
        prefs = reply_settings_for(therapist)
        for name, value in values.items():
            setattr(prefs, name, value)
        prefs.save()
        record_event(ctx, "messaging_settings.update", object_type="messaging_settings", object_id=therapist.pk)
    return prefs


def _validate(values: dict) -> None:
    start, end = values.get("work_start"), values.get("work_end")
    if start is not None and end is not None and start >= end:
        raise ValidationError({"work_end": "Working hours must end after they start."})
    days = values.get("work_days")
    if days is not None and (not isinstance(days, list) or any(d not in range(7) for d in days)):
        raise ValidationError({"work_days": "Choose working days from Monday to Sunday."})
    hours = values.get("reply_within_hours")
    if hours is not None and not 1 <= hours <= 168:
        raise ValidationError({"reply_within_hours": "Choose a reply time between 1 hour and 7 days (168 hours)."})
    if len(values.get("auto_reply_text") or "") > 1000:
        raise ValidationError({"auto_reply_text": "Keep the automatic reply under 1,000 characters."})

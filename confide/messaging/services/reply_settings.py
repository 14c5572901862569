"""A therapist's reply promise: expected reply time, working hours and the automatic reply.

The reply time is set here and only here: the automatic reply and the chat and letter pages
promise it, and the directory's card and profile show it. The directory keeps a copy
(``TherapistProfile.response_time_hours``; the directory sits below messaging and never imports
it), rewritten on every write path inside the writer's transaction: settings saved or deleted
(``post_save`` / ``post_delete``: this page, the first ``reply_settings_for``, any script), a bulk
``update()`` of the reply time (``models.SettingsQuerySet``), and a profile created after the
settings (``post_save`` of ``TherapistProfile``). Without settings the default applies, as in the
automatic reply.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from confide.directory.models import TherapistProfile
from confide.directory.services import set_reply_time
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


def publish_reply_time(therapist_id, prefs: TherapistMessagingSettings | None = None) -> int:
    """Tell the directory the reply time this therapist promises (their settings, else the default); returns it."""
    if prefs is None:
        prefs = TherapistMessagingSettings.objects.filter(therapist_id=therapist_id).first()
        prefs = prefs or TherapistMessagingSettings()
    set_reply_time(therapist_id, prefs.reply_within_hours)
    return prefs.reply_within_hours


def _settings_saved(sender, instance: TherapistMessagingSettings, update_fields=None, **kwargs) -> None:
    if update_fields is None or "reply_within_hours" in update_fields:
        publish_reply_time(instance.therapist_id, instance)


def _settings_deleted(sender, instance: TherapistMessagingSettings, **kwargs) -> None:
    publish_reply_time(instance.therapist_id, TherapistMessagingSettings())


def _profile_created(sender, instance: TherapistProfile, created: bool = False, **kwargs) -> None:
    if created:
        instance.response_time_hours = publish_reply_time(instance.user_id)  # the creator may go on to show it


def connect() -> None:
    post_save.connect(_settings_saved, sender=TherapistMessagingSettings, dispatch_uid="reply_settings.saved")
    post_delete.connect(_settings_deleted, sender=TherapistMessagingSettings, dispatch_uid="reply_settings.deleted")
    post_save.connect(_profile_created, sender=TherapistProfile, dispatch_uid="reply_settings.profile_created")

"""The directory's session types, published from the scheduling policy.

The scheduling policy is the one place a therapist says how sessions happen, because it is
what booking enforces. The directory keeps a copy (``TherapistProfile.modalities`` and the
search index's ``tags_modalities``) so that search and cards need no join into scheduling —
the directory sits below scheduling and never imports it. The copy is rewritten on every
write path, inside the writer's transaction:

- a policy saved or deleted (the booking rules page, ``setup.save_policy``, the admin, the demo,
  ``policy_for``'s first use) — ``post_save`` / ``post_delete``;
- a bulk ``SchedulingPolicy.objects…update()`` of the offering (``models.PolicyQuerySet``);
- a profile created, possibly after the policy — ``post_save`` of ``TherapistProfile``.

A therapist with no policy row is booked under the policy's field defaults, so the directory
lists those (``SchedulingPolicy()``); jurisdiction rules (e.g. audio only after a first video
session in some states) are judged per client at booking and are not part of the listing.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from confide.directory.models import TherapistProfile
from confide.directory.services import set_session_modalities
from confide.scheduling.models import LISTED_POLICY_FIELDS, Modality, SchedulingPolicy

# Booking's modality values → the directory's Modality slugs.
DIRECTORY_SLUGS = {
    Modality.VIDEO: "video",
    Modality.AUDIO: "audio",
    Modality.CHAT: "chat",
    Modality.IN_PERSON: "in-person",
}


def directory_modalities(policy: SchedulingPolicy) -> list[str]:
    """The directory slugs of what booking can accept under ``policy``."""
    return [DIRECTORY_SLUGS[Modality(value)] for value in policy.bookable_modalities()]


def publish(therapist_id, policy: SchedulingPolicy | None = None) -> None:
    """Tell the directory how sessions with this therapist can be booked (their policy, else the defaults)."""
    if policy is None:
        policy = SchedulingPolicy.objects.filter(therapist_id=therapist_id).first() or SchedulingPolicy()
    set_session_modalities(therapist_id, directory_modalities(policy))


def _policy_saved(sender, instance: SchedulingPolicy, update_fields=None, **kwargs) -> None:
    if update_fields is not None and not LISTED_POLICY_FIELDS & set(update_fields):
        return
    publish(instance.therapist_id, instance)


def _policy_deleted(sender, instance: SchedulingPolicy, **kwargs) -> None:
    publish(instance.therapist_id, SchedulingPolicy())


def _profile_created(sender, instance: TherapistProfile, created: bool = False, **kwargs) -> None:
    if created:
        publish(instance.user_id)


def connect() -> None:
    post_save.connect(_policy_saved, sender=SchedulingPolicy, dispatch_uid="listing.policy_saved")
    post_delete.connect(_policy_deleted, sender=SchedulingPolicy, dispatch_uid="listing.policy_deleted")
    post_save.connect(_profile_created, sender=TherapistProfile, dispatch_uid="listing.profile_created")

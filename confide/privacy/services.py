"""Emergency (break-glass) access: open with a reason, expire, review by someone else."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event
from confide.privacy.models import EmergencyAccess

MIN_REASON_CHARS = 20
MAX_MINUTES = 240


def open_emergency_access(ctx: RequestContext, client, *, reason: str, minutes: int, policy) -> EmergencyAccess:
    """Grant the acting staff member time-limited access to one client's record.

    ``policy`` is ``accounts.policies.can_open_emergency_access`` (passed in so
    this lower layer does not import accounts). Side effects: audit event
    ``emergency_access.open`` carrying the reason; the grant appears in the
    review queue for other staff.
    """
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise ValidationError({"reason": f"State the emergency in at least {MIN_REASON_CHARS} characters."})
    if not 5 <= minutes <= MAX_MINUTES:
        raise ValidationError({"minutes": f"Access lasts between 5 and {MAX_MINUTES} minutes."})
    authorize(ctx, policy, client, action="emergency_access.request", subject=client, hide_existence=False)
    with transaction.atomic():
        access = EmergencyAccess.objects.create(
            staff=ctx.user, client=client, reason=reason, expires_at=timezone.now() + timedelta(minutes=minutes)
        )
        record_event(
            ctx,
            "emergency_access.open",
            object_type="emergency_access",
            object_id=access.pk,
            subject=client,
            reason=reason,
        )
    return access


def end_emergency_access(ctx: RequestContext, access: EmergencyAccess) -> None:
    """The staff member closes their own grant early."""
    if access.staff_id != getattr(ctx.user, "pk", None):
        raise ValidationError("Only the person who opened emergency access can end it.")
    with transaction.atomic():
        EmergencyAccess.objects.filter(pk=access.pk, ended_at__isnull=True).update(ended_at=timezone.now())
        record_event(ctx, "emergency_access.end", object_type="emergency_access", object_id=access.pk)


def review_emergency_access(ctx: RequestContext, access: EmergencyAccess, *, note: str, policy) -> None:
    """A second staff member confirms (or questions) an emergency access afterwards."""
    authorize(ctx, policy, access, action="emergency_access.review", hide_existence=False)
    if access.reviewed_at is not None:
        raise ValidationError("This access has already been reviewed.")
    if not note.strip():
        raise ValidationError({"note": "Write what you checked."})
    with transaction.atomic():
        access.reviewed_by = ctx.user
        access.reviewed_at = timezone.now()
        access.review_note = note.strip()
        access.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        record_event(ctx, "emergency_access.reviewed", object_type="emergency_access", object_id=access.pk)

"""Finishing a sign-up: role, names, and the client's encrypted location."""

from __future__ import annotations

from django.db import transaction

from confide.accounts.models import ClientProfile, Role
from confide.privacy.audit import context_from_request, record_event


def complete_signup(request, user, data: dict) -> None:
    """Store what the sign-up form collected.

    Side effects: ClientProfile for clients (jurisdiction encrypted), audit event.
    Staff accounts are never created here — only by an operator.
    """
    role = Role.THERAPIST if data.get("join_as") == Role.THERAPIST else Role.CLIENT
    with transaction.atomic():
        user.role = role
        user.display_name = data["display_name"]
        user.time_zone = data.get("time_zone") or "UTC"
        user.save(update_fields=["role", "display_name", "time_zone", "updated_at"])
        if role == Role.CLIENT:
            ClientProfile.objects.update_or_create(user=user, defaults={"jurisdiction": data["jurisdiction"]})
        ctx = context_from_request(request)
        record_event(
            ctx.__class__(user, ctx.ip, ctx.user_agent),
            "account.signup",
            object_type="user",
            object_id=user.pk,
            subject=user if role == Role.CLIENT else None,
        )

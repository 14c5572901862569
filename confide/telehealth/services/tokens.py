"""Single-use, short-lived join tokens bound to one user and one visit.

The visit page (after the policy check) mints a token; the browser presents it
once when it opens the signalling socket. Every failure — unknown, used,
expired, someone else's, a cancelled or closed visit — looks the same to the
caller, so nobody learns whether a room exists.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from confide.privacy.access import authorize
from confide.privacy.audit import RequestContext, record_event
from confide.privacy.models import AuditEvent
from confide.telehealth import policies
from confide.telehealth.models import JoinToken, Visit

TOKEN_TTL = timedelta(minutes=2)
MAX_LIVE_TOKENS = 10  # unused, unexpired tokens one person may hold for one visit (reloads, reconnects)
TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 64


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def mint_join_token(ctx: RequestContext, visit: Visit, *, now: datetime | None = None) -> str:
    """A fresh token for the acting participant. Side effects: audit ``visit.token`` (allowed or denied).

    Raises ValidationError (422) when the person already holds MAX_LIVE_TOKENS unused ones (a flood).
    """
    authorize(ctx, policies.can_join_visit, visit.appointment, action="visit.token", subject=visit.appointment.client)
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    now = now or timezone.now()
    JoinToken.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()  # keep the table small
    live = JoinToken.objects.filter(visit=visit, user=ctx.user, used_at__isnull=True, expires_at__gt=now)
    if live.count() >= MAX_LIVE_TOKENS:
        raise ValidationError("Too many attempts to join; wait two minutes and reload the page.")
    JoinToken.objects.create(visit=visit, user=ctx.user, digest=_digest(secret), expires_at=now + TOKEN_TTL)
    return secret


def redeem_join_token(ctx: RequestContext, secret: str, *, now: datetime | None = None) -> Visit | None:
    """The visit this token opens for ``ctx.user``, consuming the token; None for any refusal.

    Re-checks the join policy (time window, status, MFA) at redemption, not only at minting.
    Side effects: audit ``visit.join`` (allowed, or denied without saying why).
    """
    now = now or timezone.now()
    user = ctx.user
    if user is None or not isinstance(secret, str) or not 0 < len(secret) <= MAX_TOKEN_CHARS:
        return _refused(ctx)
    with transaction.atomic():
        token = (
            JoinToken.objects.select_for_update()
            .select_related("visit__appointment")
            .filter(digest=_digest(secret))
            .first()
        )
        if token is None or token.user_id != user.pk or token.used_at is not None or token.expires_at <= now:
            return _refused(ctx, token.visit if token else None)
        token.used_at = now
        token.save(update_fields=["used_at"])
        visit = token.visit
        if not policies.can_join_visit(user, visit.appointment):
            return _refused(ctx, visit)
        record_event(ctx, "visit.join", object_type="visit", object_id=visit.pk, subject=visit.appointment.client)
    return visit


def _refused(ctx: RequestContext, visit: Visit | None = None) -> None:
    record_event(
        ctx,
        "visit.join",
        object_type="visit",
        object_id=visit.pk if visit else "",
        outcome=AuditEvent.Outcome.DENIED,
    )
    return None

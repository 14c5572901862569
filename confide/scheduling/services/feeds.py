"""Private iCalendar feed URLs: a secret token per person, only its SHA-256 stored, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from confide.privacy.audit import RequestContext, record_event
from confide.scheduling.models import CalendarFeedToken

PREFIX = "cal_"


@dataclass(frozen=True)
class IssuedFeed:
    feed: CalendarFeedToken
    secret: str  # shown once


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_feed(ctx: RequestContext, user) -> IssuedFeed:
    """A new feed URL secret; any earlier feed of the person is revoked (one live feed each)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        feed = CalendarFeedToken.objects.create(user=user, prefix=secret[:10], digest=digest(secret))
        record_event(ctx, "calendar_feed.issue", object_type="calendar_feed", object_id=feed.pk)
    return IssuedFeed(feed, secret)


def revoke_feeds(ctx: RequestContext, user) -> int:
    with transaction.atomic():
        count = CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        record_event(ctx, "calendar_feed.revoke", object_type="calendar_feed", object_id=user.pk)
    return count


def user_for_feed(secret: str):
    """The active owner of a live feed secret, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 80:
        return None
    feed = (
        CalendarFeedToken.objects.select_related("user").filter(digest=digest(secret), revoked_at__isnull=True).first()
    )
    if feed is None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or (now - feed.last_used_at).total_seconds() > 300:
        CalendarFeedToken.objects.filter(pk=feed.pk).update(last_used_at=now)
    return feed.user


def live_feed(user) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).first()

"""Template tags for safety pages: times in the viewer's zone, and what a client is told."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template

register = template.Library()


def viewer_zone(viewer) -> ZoneInfo:
    """The zone the viewer chose (UTC when unset or unknown).

    Safety pages are for therapists and staff, for whom scheduling's
    ``display_zone`` is exactly this; safety sits below scheduling, so it
    cannot import it.
    """
    try:
        return ZoneInfo(getattr(viewer, "time_zone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@register.filter
def local_time(instant: datetime | None, viewer) -> str:
    """``Tue 14 Jan 2031, 18:30 (America/New_York)`` — the format of scheduling's ``format_local``."""
    if instant is None:
        return ""
    zone = viewer_zone(viewer)
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} ({zone.key})"


@register.simple_tag
def told_about(client):
    """Who the client's newest open moderate/high safety event alerted, or None (crisis card)."""
    from confide.safety import escalation

    if getattr(client, "role", None) != "client":
        return None
    event = escalation.latest_open_escalation(client)
    return escalation.who_was_told(event) if event else None

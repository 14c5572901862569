"""Template tags for safety pages: times in the viewer's zone, and what a client is told."""

from __future__ import annotations

from datetime import datetime

from django import template

from confide.core.times import format_local, zone_of

register = template.Library()


@register.filter
def local_time(instant: datetime | None, viewer) -> str:
    """``Tue 14 Jan 2031, 18:30 (America/New_York)`` in the viewer's own zone (therapists and staff read these)."""
    if instant is None:
        return ""
    return format_local(instant, zone_of(viewer))


@register.simple_tag
def told_about(client):
    """Who the client's newest open moderate/high safety event alerted, or None (crisis card)."""
    from confide.safety import escalation

    if getattr(client, "role", None) != "client":
        return None
    event = escalation.latest_open_escalation(client)
    return escalation.who_was_told(event) if event else None

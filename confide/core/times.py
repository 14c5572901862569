"""A person's own time zone, and how every page, e-mail and export writes an instant in it.

Kept in core so each app shows times the same way without importing another
app (safety sits below scheduling; the directory beside it).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_of(user) -> ZoneInfo:
    """A person's own zone (their profile), UTC when unset or unknown."""
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def zone_name(zone: ZoneInfo | str) -> str:
    """``America/New York``: a zone as people read it, the same on every page and e-mail.

    The IANA key (``America/New_York``) stays the value in forms, the API, exports
    and scripts; only what people read loses the underscores.
    """
    return (zone.key if isinstance(zone, ZoneInfo) else str(zone)).replace("_", " ")


def format_local(instant: datetime, zone: ZoneInfo) -> str:
    """``Tue 14 Jan 2031, 18:30 (America/New York)``: the instant in ``zone``, the zone named."""
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} ({zone_name(zone)})"

"""Opening times on directory pages in the reader's zone, named — never bare UTC.

A signed-in person reads them in the zone they chose (a client who never chose
one: their jurisdiction's, as on the booking page); an anonymous searcher in the
zone of the place they searched; anyone else in UTC. Each time says its zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import template
from django.utils.dateformat import format as date_format

from confide.core.times import zone_name
from confide.directory.client_dates import display_zone, jurisdiction_zone

register = template.Library()
UTC = ZoneInfo("UTC")


def reader_zone(request, filters=None) -> ZoneInfo:
    """The zone for this request's reader (computed once per request: it may read the client's profile)."""
    if request is None:
        return UTC
    cached = getattr(request, "_directory_reader_zone", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        zone = display_zone(user)
    elif filters is not None and getattr(filters, "jurisdiction", ""):
        zone = jurisdiction_zone(filters.jurisdiction)
    else:
        zone = UTC
    request._directory_reader_zone = zone
    return zone


@register.simple_tag(takes_context=True)
def opening(context, at, fmt: str) -> str:
    """``at`` formatted with ``fmt`` in the reader's zone, followed by the zone's name."""
    if at is None:
        return ""
    zone = reader_zone(context.get("request"), context.get("filters"))
    return f"{date_format(at.astimezone(zone), fmt)} ({zone_name(zone)})"

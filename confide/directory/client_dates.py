"""The calendar date where the client is: the day licensure and jurisdiction rules are judged on.

A licence "valid until 31 December" and a rule "in force from 1 January" speak
of dates at the place where the client is treated. We store instants in UTC,
and a New York client's 19:00 session on 31 December is already 1 January in
UTC: judging it by the UTC date would refuse a session the licence allows (and,
east of UTC, allow one it no longer does). So every licence or jurisdiction
check turns its moment into a date with ``client_local_date``.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from confide.accounts.models import ClientProfile, Role
from confide.core.times import zone_of

DEFAULT_ZONE = "UTC"  # User.time_zone's default: "not chosen" as much as "UTC"


def _zones(names: str, zone: str) -> dict[str, str]:
    return {f"US-{name}": zone for name in names.split()}


# Jurisdiction → IANA zone: US states, DC and territories, Canadian provinces and territories,
# Australian states, and the countries of the crisis-line and licence-type data. A region that spans
# zones takes the zone where most of its people live: Florida's panhandle, western Indiana and
# Michigan's Upper Peninsula → Eastern; Tennessee (Nashville, Memphis), the Dakotas', Nebraska's and
# Kansas's western counties, and Texas's El Paso → Central; northern Idaho → Mountain; Oregon's
# Malheur County → Pacific; Alaska's Aleutians → Anchorage; Arizona (its Navajo Nation keeps DST) →
# Phoenix; Nunavut → Iqaluit; New South Wales (Broken Hill) → Sydney. A country that spans zones
# (US, CA, AU, BR) takes the zone of its largest share of people.
JURISDICTION_ZONES: dict[str, str] = {
    **_zones("CT DC DE FL GA IN KY MA MD ME MI NC NH NJ NY OH PA RI SC VA VT WV", "America/New_York"),
    **_zones("AL AR IA IL KS LA MN MO MS ND NE OK SD TN TX WI", "America/Chicago"),
    **_zones("CO ID MT NM UT WY", "America/Denver"),
    **_zones("CA NV OR WA", "America/Los_Angeles"),
    "US-AZ": "America/Phoenix",
    "US-AK": "America/Anchorage",
    "US-HI": "Pacific/Honolulu",
    "US-AS": "Pacific/Pago_Pago",
    "US-GU": "Pacific/Guam",
    "US-MP": "Pacific/Saipan",
    "US-PR": "America/Puerto_Rico",
    "US-VI": "America/St_Thomas",
    "CA-AB": "America/Edmonton",
    "CA-BC": "America/Vancouver",
    "CA-MB": "America/Winnipeg",
    "CA-NB": "America/Moncton",
    "CA-NL": "America/St_Johns",
    "CA-NS": "America/Halifax",
    "CA-NT": "America/Edmonton",
    "CA-NU": "America/Iqaluit",
    "CA-ON": "America/Toronto",
    "CA-PE": "America/Halifax",
    "CA-QC": "America/Toronto",
    "CA-SK": "America/Regina",
    "CA-YT": "America/Whitehorse",
    "AU-ACT": "Australia/Sydney",
    "AU-NSW": "Australia/Sydney",
    "AU-NT": "Australia/Darwin",
    "AU-QLD": "Australia/Brisbane",
    "AU-SA": "Australia/Adelaide",
    "AU-TAS": "Australia/Hobart",
    "AU-VIC": "Australia/Melbourne",
    "AU-WA": "Australia/Perth",
    # Overseas parts of one-zone countries: their own zones, not the capital's (Nouméa is 10 h ahead of Paris).
    "FR-971": "America/Guadeloupe",
    "FR-972": "America/Martinique",
    "FR-973": "America/Cayenne",
    "FR-974": "Indian/Reunion",
    "FR-976": "Indian/Mayotte",
    "FR-BL": "America/St_Barthelemy",
    "FR-MF": "America/Marigot",
    "FR-NC": "Pacific/Noumea",
    "FR-PF": "Pacific/Tahiti",
    "FR-PM": "America/Miquelon",
    "FR-TF": "Indian/Kerguelen",
    "FR-WF": "Pacific/Wallis",
    "ES-CN": "Atlantic/Canary",
    "PT-20": "Atlantic/Azores",
    "PT-30": "Atlantic/Madeira",
    "NZ-CIT": "Pacific/Chatham",
    "US": "America/New_York",
    "CA": "America/Toronto",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "AT": "Europe/Vienna",
    "CH": "Europe/Zurich",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "IN": "Asia/Kolkata",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "NZ": "Pacific/Auckland",
    "PT": "Europe/Lisbon",
    "SE": "Europe/Stockholm",
}
# A region of these countries missing above is not guessed from its country (US-UM is not New York).
SPANS_ZONES = frozenset({"US", "CA", "AU", "BR"})


def client_local_date(client, at: datetime, *, jurisdiction: str | None = None) -> date:
    """The calendar date at the client's location at the instant ``at`` (aware).

    Why: licence expiry and jurisdiction rules are dates where the client is treated, and a UTC date
    is a day off for every evening west of UTC (and every morning east of it) — see the module text.

    The client's own ``time_zone`` decides. When it is still the default "UTC" (never chosen), the
    zone of where the client is decides: ``jurisdiction`` when the caller knows it (the location a
    therapist just confirmed, the one a questionnaire gave), else the client's profile. A state that
    spans zones counts as the zone where most of its people live (``JURISDICTION_ZONES``); a region
    of a country not listed takes its country's zone, except in countries that span zones. Otherwise UTC.
    """
    if timezone.is_naive(at):
        raise ValueError("client_local_date needs an aware datetime")
    zone = _valid_zone(getattr(client, "time_zone", "") or DEFAULT_ZONE)
    if zone.key == DEFAULT_ZONE:
        zone = jurisdiction_zone(profile_jurisdiction(client) if jurisdiction is None else jurisdiction)
    return at.astimezone(zone).date()


def jurisdiction_date(code: str, at: datetime) -> date:
    """The calendar date in a jurisdiction at the instant ``at``: what a date written on its licences means.

    A licence "valid until 31 December" in California is still valid on a
    Californian 31 December evening, when UTC is already in January. A country
    that spans zones (US, CA, AU, BR) has no one date and falls back to UTC.
    """
    if timezone.is_naive(at):
        raise ValueError("jurisdiction_date needs an aware datetime")
    return at.astimezone(jurisdiction_zone(code)).date()


def jurisdiction_zone(code: str) -> ZoneInfo:
    """A jurisdiction's zone (``JURISDICTION_ZONES``; a region of a one-zone country: its country's), else UTC."""
    code = (code or "").strip().upper()
    country = code.split("-")[0]
    name = JURISDICTION_ZONES.get(code) or ("" if country in SPANS_ZONES else JURISDICTION_ZONES.get(country))
    return _valid_zone(name or DEFAULT_ZONE)


def _valid_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def profile_jurisdiction(client) -> str:
    """Where the client's profile says they are ("" when unknown)."""
    if getattr(client, "pk", None) is None:
        return ""
    profile = ClientProfile.objects.filter(user_id=client.pk).first()
    return (profile.jurisdiction or "") if profile else ""


def reader_today(user, now: datetime | None = None) -> date:
    """ "Today" for someone reading the directory: a signed-in client's local date, else the server's.

    Anonymous readers, therapists and staff have no client location, so the server's date stands;
    for a client it is ``client_local_date``, the date booking will judge by.
    """
    now = now or timezone.now()
    if getattr(user, "is_authenticated", False) and getattr(user, "role", None) == Role.CLIENT:
        return client_local_date(user, now)
    return timezone.localdate(now)


def display_zone(person) -> ZoneInfo:
    """The zone to show times to ``person`` in: the one they chose, else (a client) where they are, else UTC.

    Why: ``time_zone`` defaults to "UTC", so a Californian client who never chose a zone would read
    UTC times while booking judges their licence by the Los Angeles date. Their jurisdiction's zone —
    the one ``client_local_date`` uses — is the better guess. Availability (scheduling) keeps using ``zone_of``.
    """
    own = zone_of(person)
    if own.key != DEFAULT_ZONE or getattr(person, "role", None) != Role.CLIENT:
        return own
    return jurisdiction_zone(profile_jurisdiction(person))

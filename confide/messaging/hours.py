"""Working hours and the "expect an answer by …" promise of a therapist (pure functions, no database).

Hours are defined in the therapist's own time zone (``user.time_zone``), so
they survive DST changes; the promise is shown to the client in theirs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from confide.core.times import (
    zone_name,
    zone_of,  # noqa: F401 — callers import it from here
)

MAX_LOOKAHEAD_DAYS = 14


def is_working(prefs, zone: ZoneInfo, at: datetime) -> bool:
    """True when ``at`` falls inside the therapist's working hours."""
    local = at.astimezone(zone)
    if local.weekday() not in set(prefs.work_days or []):
        return False
    return prefs.work_start <= local.time().replace(tzinfo=None) < prefs.work_end


def next_working_start(prefs, zone: ZoneInfo, at: datetime) -> datetime | None:
    """The next moment working hours begin after ``at`` (None when no working day is set)."""
    local = at.astimezone(zone)
    for offset in range(MAX_LOOKAHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in set(prefs.work_days or []):
            continue
        start = datetime.combine(day, prefs.work_start, tzinfo=zone)
        if start > at:
            return start
    return None


def expected_answer_by(prefs, zone: ZoneInfo, at: datetime) -> datetime:
    """The later of "now + expected reply time" and the start of the next working period."""
    promised = at + timedelta(hours=prefs.reply_within_hours)
    start = next_working_start(prefs, zone, at)
    return max(promised, start) if start is not None else promised


def when_text(moment: datetime, zone: ZoneInfo) -> str:
    """“Tue 3 Mar 2026 at 09:00 (Europe/Berlin)”: unambiguous for the reader, labelled with the zone."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y} at {local:%H:%M} ({zone_name(zone)})"

"""Which start times can be booked: a pure function of the rules, no database.

Hours are wall-clock times in the therapist's zone; everything else is UTC
instants. A slot is offered when:

* it starts on the step grid of a block of hours (weekly or extra), counted in
  the therapist's wall-clock time from the block's start (09:00, 09:30, …);
* ``[start, start + duration)`` lies inside open time: weekly hours plus extra
  hours, minus time off;
* ``[start - buffer, start + duration + buffer)`` overlaps no busy interval
  (active appointments, and times held for someone on the waitlist);
* it starts no earlier than ``earliest`` (minimum notice) and before ``latest``
  (booking horizon), inside the requested window;
* the therapist's local day and ISO week are below their caps.

DST rule (deterministic, Python's ``fold=0``): a wall-clock time that does not
exist (the spring-forward gap) is read with the offset in force *before* the
change, so a block boundary of 02:00 on 2026-03-08 in America/New_York becomes
03:00 EDT; a slot *start* in the gap is skipped, never shifted. A wall-clock
time that happens twice (fall back) means its first occurrence. The viewer's
zone plays no part here: it only changes how the same instants are labelled.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class WeeklyBlock:
    weekday: int  # Monday = 0
    start: time
    end: time


@dataclass(frozen=True)
class Rules:
    """Everything the slot function needs; built from the database by ``availability``."""

    zone: ZoneInfo
    weekly: tuple[WeeklyBlock, ...]
    duration: timedelta
    step: timedelta
    buffer: timedelta = timedelta(0)
    extra: tuple[Interval, ...] = ()
    time_off: tuple[Interval, ...] = ()
    busy: tuple[Interval, ...] = ()
    earliest: datetime | None = None
    latest: datetime | None = None
    max_per_day: int | None = None
    max_per_week: int | None = None
    booked_starts: tuple[datetime, ...] = field(default=())  # active appointments, counted against the caps


def to_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a day in ``zone`` as a UTC instant (fold=0 rule, see module docstring)."""
    return datetime.combine(day, wall, tzinfo=zone).replace(fold=0).astimezone(UTC)


def wall_time_exists(day: date, wall: time, zone: ZoneInfo) -> bool:
    local = datetime.combine(day, wall, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


def available_starts(rules: Rules, window_start: datetime, window_end: datetime) -> list[datetime]:
    """Every bookable start instant (UTC, sorted) in ``[window_start, window_end)``."""
    lower = max(window_start, rules.earliest) if rules.earliest else window_start
    upper = min(window_end, rules.latest) if rules.latest else window_end
    if lower >= upper:
        return []
    open_time = open_intervals(rules, lower, upper)
    busy = _merge([(s - rules.buffer, e + rules.buffer) for s, e in rules.busy])
    day_counts, week_counts = _cap_counts(rules)
    starts = set()
    for start in _candidates(rules, lower, upper):
        end = start + rules.duration
        if (
            _inside(open_time, start, end)
            and not _overlaps(busy, start, end)
            and _under_caps(rules, start, day_counts, week_counts)
        ):
            starts.add(start)
    return sorted(starts)


def open_intervals(rules: Rules, lower: datetime, upper: datetime) -> list[Interval]:
    """Open time near ``[lower, upper)``: weekly hours plus extra hours, minus time off; merged, sorted."""
    return _subtract(_merge(list(_blocks(rules, lower, upper)) + list(rules.extra)), rules.time_off)


def _local_days(rules: Rules, lower: datetime, upper: datetime) -> Iterator[date]:
    # One day of slack each side: a local day can begin before the UTC window does.
    day = lower.astimezone(rules.zone).date() - timedelta(days=1)
    last = upper.astimezone(rules.zone).date() + timedelta(days=1)
    while day <= last:
        yield day
        day += timedelta(days=1)


def _blocks(rules: Rules, lower: datetime, upper: datetime) -> Iterator[Interval]:
    by_weekday: dict[int, list[WeeklyBlock]] = {}
    for block in rules.weekly:
        by_weekday.setdefault(block.weekday, []).append(block)
    for day in _local_days(rules, lower, upper):
        for block in by_weekday.get(day.weekday(), ()):
            start, end = to_instant(day, block.start, rules.zone), to_instant(day, block.end, rules.zone)
            if end > start:
                yield start, end


def _candidates(rules: Rules, lower: datetime, upper: datetime) -> Iterator[datetime]:
    """Start instants on each block's wall-clock grid (weekly blocks and extra hours)."""
    for day in _local_days(rules, lower, upper):
        for block in rules.weekly:
            if block.weekday == day.weekday():
                yield from _grid(rules, day, block.start, to_instant(day, block.end, rules.zone), lower, upper)
    for start, end in rules.extra:
        local = start.astimezone(rules.zone)
        yield from _grid(rules, local.date(), local.time().replace(tzinfo=None), end, lower, upper)


def _grid(rules: Rules, day: date, first: time, block_end: datetime, lower: datetime, upper: datetime):
    wall = datetime.combine(day, first)
    while True:
        if not wall_time_exists(wall.date(), wall.time(), rules.zone):
            wall += rules.step
            continue
        instant = to_instant(wall.date(), wall.time(), rules.zone)
        if instant + rules.duration > block_end or instant >= upper:
            return
        if instant >= lower:
            yield instant
        wall += rules.step


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(intervals: list[Interval], holes: Iterable[Interval]) -> list[Interval]:
    result = intervals
    for hole_start, hole_end in holes:
        pieces: list[Interval] = []
        for start, end in result:
            if hole_end <= start or hole_start >= end:
                pieces.append((start, end))
                continue
            if start < hole_start:
                pieces.append((start, hole_start))
            if hole_end < end:
                pieces.append((hole_end, end))
        result = pieces
    return result


def _inside(merged: list[Interval], start: datetime, end: datetime) -> bool:
    index = bisect.bisect_right(merged, (start, datetime.max.replace(tzinfo=UTC))) - 1
    return index >= 0 and merged[index][0] <= start and end <= merged[index][1]


def _overlaps(merged: list[Interval], start: datetime, end: datetime) -> bool:
    index = bisect.bisect_left(merged, (end,)) - 1
    return index >= 0 and merged[index][1] > start


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def local_week(instant: datetime, zone: ZoneInfo) -> tuple[int, int]:
    year, week, _ = instant.astimezone(zone).isocalendar()
    return year, week


def _cap_counts(rules: Rules) -> tuple[Counter, Counter]:
    days = Counter(local_day(s, rules.zone) for s in rules.booked_starts)
    weeks = Counter(local_week(s, rules.zone) for s in rules.booked_starts)
    return days, weeks


def _under_caps(rules: Rules, start: datetime, days: Counter, weeks: Counter) -> bool:
    if rules.max_per_day is not None and days[local_day(start, rules.zone)] >= rules.max_per_day:
        return False
    return rules.max_per_week is None or weeks[local_week(start, rules.zone)] < rules.max_per_week

"""Property tests (hypothesis): every slot obeys every rule, and the viewer's zone never changes the instants."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from confide.scheduling.slots import Rules, WeeklyBlock, available_starts, to_instant

ZONES = [
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Europe/Berlin",
    "Pacific/Chatham",
    "UTC",
    "America/St_Johns",
    "Asia/Kathmandu",
]
# Windows around the DST changes that matter, and ordinary days.
ANCHORS = [
    datetime(2026, 3, 7, tzinfo=UTC),
    datetime(2026, 10, 31, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC),
    datetime(2026, 10, 3, tzinfo=UTC),
    datetime(2026, 6, 15, tzinfo=UTC),
    datetime(2026, 3, 28, tzinfo=UTC),
]


@st.composite
def weekly_blocks(draw):
    blocks = []
    for weekday in range(7):
        start = draw(st.integers(0, 22 * 4)) * 15
        length = draw(st.integers(2, 12 * 4)) * 15
        end = min(start + length, 23 * 60 + 45)
        if draw(st.booleans()) and end > start:
            blocks.append(WeeklyBlock(weekday, time(start // 60, start % 60), time(end // 60, end % 60)))
    return tuple(blocks)


@st.composite
def intervals(draw, anchor, count):
    found = []
    for _ in range(draw(st.integers(0, count))):
        start = anchor + timedelta(minutes=draw(st.integers(-24 * 60, 5 * 24 * 60)))
        found.append((start, start + timedelta(minutes=draw(st.integers(10, 8 * 60)))))
    return tuple(found)


@st.composite
def scenarios(draw):
    anchor = draw(st.sampled_from(ANCHORS)) + timedelta(minutes=draw(st.integers(0, 24 * 60)))
    busy = draw(intervals(anchor, 6))
    rules = Rules(
        zone=ZoneInfo(draw(st.sampled_from(ZONES))),
        weekly=draw(weekly_blocks()),
        duration=timedelta(minutes=draw(st.sampled_from([25, 50, 60, 90]))),
        step=timedelta(minutes=draw(st.sampled_from([15, 30, 60]))),
        buffer=timedelta(minutes=draw(st.sampled_from([0, 5, 10, 15, 30]))),
        extra=draw(intervals(anchor, 2)),
        time_off=draw(intervals(anchor, 2)),
        busy=busy,
        earliest=anchor + timedelta(hours=draw(st.integers(0, 48))),
        latest=anchor + timedelta(days=draw(st.integers(1, 6))),
        max_per_day=draw(st.one_of(st.none(), st.integers(1, 4))),
        booked_starts=tuple(s for s, _ in busy),
    )
    return rules, anchor, anchor + timedelta(days=draw(st.integers(1, 5)))


def covered(start, end, pieces) -> bool:
    """[start, end) lies inside the union of ``pieces``."""
    cursor = start
    for piece_start, piece_end in sorted(pieces):
        if piece_start <= cursor < piece_end:
            cursor = piece_end
        if cursor >= end:
            return True
    return cursor >= end


def open_pieces(rules, lower, upper):
    pieces = list(rules.extra)
    day = lower.astimezone(rules.zone).date() - timedelta(days=1)
    while day <= upper.astimezone(rules.zone).date() + timedelta(days=1):
        for block in rules.weekly:
            if block.weekday == day.weekday():
                pieces.append((to_instant(day, block.start, rules.zone), to_instant(day, block.end, rules.zone)))
        day += timedelta(days=1)
    return pieces


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_every_slot_obeys_every_rule(scenario):
    rules, window_start, window_end = scenario
    starts = available_starts(rules, window_start, window_end)
    assert starts == sorted(set(starts))
    pieces = open_pieces(rules, window_start, window_end)
    for start in starts:
        end = start + rules.duration
        assert max(window_start, rules.earliest) <= start < min(window_end, rules.latest)
        assert covered(start, end, pieces), "slot outside hours"
        assert not any(off_start < end and start < off_end for off_start, off_end in rules.time_off), "in time off"
        assert not any(
            b_start - rules.buffer < end and start < b_end + rules.buffer for b_start, b_end in rules.busy
        ), "overlaps a booking or its buffer"
        if rules.max_per_day is not None:
            day = start.astimezone(rules.zone).date()
            assert sum(1 for b in rules.booked_starts if b.astimezone(rules.zone).date() == day) < rules.max_per_day


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_slot_starts_are_real_wall_clock_times_on_the_grid(scenario):
    rules, window_start, window_end = scenario
    for start in available_starts(rules, window_start, window_end):
        local = start.astimezone(rules.zone)
        assert local.astimezone(UTC) == start  # a time that exists in the therapist's zone


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(viewer_zones=st.lists(st.sampled_from(ZONES + ["Pacific/Kiritimati", "America/Adak"]), min_size=2, max_size=3))
def test_viewer_zone_never_changes_the_instants(practice_for_properties, viewer_zones):
    from confide.scheduling.availability import available_slots

    therapist, kind, start = practice_for_properties
    results = [available_slots(therapist, kind, start, start + timedelta(days=10), zone) for zone in viewer_zones]
    instants = [[slot.start for slot in result] for result in results]
    assert instants[0] and all(found == instants[0] for found in instants)
    for zone, result in zip(viewer_zones, results, strict=True):
        assert all(slot.label.endswith(f"({zone.replace('_', ' ')})") for slot in result)
        assert all(slot.local_start.utcoffset() == slot.start.astimezone(ZoneInfo(zone)).utcoffset() for slot in result)


@pytest.fixture
def practice_for_properties(practice, ready_client):
    from django.utils import timezone

    from confide.scheduling.tests.conftest import book, type_of

    book(ready_client, practice)
    return practice, type_of(practice, "therapy"), timezone.now() + timedelta(days=1)

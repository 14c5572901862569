"""The pure slot function: DST in New York, odd offsets (Kolkata +5:30, Lord Howe's 30-minute DST), rules."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from confide.scheduling.slots import Rules, WeeklyBlock, available_starts, to_instant, wall_time_exists

NY = ZoneInfo("America/New_York")
ALL_DAYS = range(7)


def rules(zone, start=time(9), end=time(17), **extra) -> Rules:
    values = {"duration": timedelta(minutes=50), "step": timedelta(minutes=60), **extra}
    return Rules(zone=zone, weekly=tuple(WeeklyBlock(d, start, end) for d in ALL_DAYS), **values)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_times(starts, zone):
    return [s.astimezone(zone).strftime("%H:%M") for s in starts]


def test_ny_spring_forward_keeps_wall_clock_hours():
    # 2026-03-08: clocks jump 02:00 EST -> 03:00 EDT. 09:00 local is 14:00Z the day before, 13:00Z on the day.
    before = available_starts(rules(NY), utc(2026, 3, 7, 5), utc(2026, 3, 8, 5))
    on_day = available_starts(rules(NY), utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))
    assert before[0] == utc(2026, 3, 7, 14)
    assert on_day[0] == utc(2026, 3, 8, 13)
    assert local_times(on_day, NY) == ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]


def test_ny_fall_back_keeps_wall_clock_hours():
    # 2026-11-01: 02:00 EDT -> 01:00 EST. 09:00 local is 13:00Z on Oct 31, 14:00Z on Nov 1.
    on_day = available_starts(rules(NY), utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))
    assert on_day[0] == utc(2026, 11, 1, 14)
    assert local_times(on_day, NY)[-1] == "16:00"
    assert len(on_day) == 8


def test_block_across_spring_gap_skips_nonexistent_starts():
    # Hours 00:00–06:00 on the spring-forward night: 02:00 and 02:30 never happen, so no slot starts then.
    night = rules(NY, start=time(0), end=time(6), step=timedelta(minutes=30), duration=timedelta(minutes=25))
    starts = available_starts(night, utc(2026, 3, 8, 4), utc(2026, 3, 8, 11))
    labels = local_times(starts, NY)
    assert "02:00" not in labels and "02:30" not in labels
    assert labels[:6] == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]
    assert len(starts) == len(set(starts))
    assert not wall_time_exists(datetime(2026, 3, 8).date(), time(2, 30), NY)


def test_block_across_fall_back_uses_first_occurrence():
    night = rules(NY, start=time(0), end=time(4), step=timedelta(minutes=30), duration=timedelta(minutes=25))
    starts = available_starts(night, utc(2026, 11, 1, 3), utc(2026, 11, 1, 10))
    # 01:00 and 01:30 mean their first (EDT) occurrence; block end 04:00 EST leaves 5 real hours.
    assert starts[2] == utc(2026, 11, 1, 5)  # 01:00 EDT
    assert to_instant(datetime(2026, 11, 1).date(), time(1, 30), NY) == utc(2026, 11, 1, 5, 30)
    assert len(starts) == len(set(starts)) == 8


def test_kolkata_half_hour_offset():
    zone = ZoneInfo("Asia/Kolkata")
    starts = available_starts(rules(zone), utc(2026, 6, 1, 0), utc(2026, 6, 2, 0))
    assert starts[0] == utc(2026, 6, 1, 3, 30)  # 09:00 IST = 03:30Z
    assert local_times(starts, zone)[:2] == ["09:00", "10:00"]


def test_lord_howe_half_hour_dst():
    # Lord Howe: +10:30 standard, +11 in summer; changes 2026-10-04 at 02:00 -> 02:30.
    zone = ZoneInfo("Australia/Lord_Howe")
    winter = available_starts(rules(zone), utc(2026, 10, 2, 12), utc(2026, 10, 3, 12))
    summer = available_starts(rules(zone), utc(2026, 10, 4, 12), utc(2026, 10, 5, 12))
    assert winter[0] == utc(2026, 10, 2, 22, 30)  # 09:00 at +10:30
    assert summer[0] == utc(2026, 10, 4, 22)  # 09:00 at +11
    night = rules(zone, start=time(1), end=time(4), step=timedelta(minutes=30), duration=timedelta(minutes=25))
    labels = local_times(available_starts(night, utc(2026, 10, 3, 12), utc(2026, 10, 3, 18)), zone)
    assert "02:00" not in labels and labels[:3] == ["01:00", "01:30", "02:30"]


def test_busy_and_buffer_remove_neighbouring_slots():
    zone = ZoneInfo("UTC")
    busy = ((utc(2026, 6, 1, 11), utc(2026, 6, 1, 11, 50)),)
    starts = available_starts(rules(zone, busy=busy, buffer=timedelta(minutes=15)), utc(2026, 6, 1), utc(2026, 6, 2))
    # 10:00–10:50 ends 10 min before 11:00 (< 15 buffer); 12:00 starts 10 min after 11:50.
    assert local_times(starts, zone) == ["09:00", "13:00", "14:00", "15:00", "16:00"]


def test_time_off_and_extra_hours():
    zone = ZoneInfo("UTC")
    off = ((utc(2026, 6, 1, 12), utc(2026, 6, 1, 23)),)
    extra = ((utc(2026, 6, 1, 19), utc(2026, 6, 1, 21)),)
    starts = available_starts(rules(zone, time_off=off, extra=extra), utc(2026, 6, 1), utc(2026, 6, 2))
    assert local_times(starts, zone) == ["09:00", "10:00", "11:00"]
    starts = available_starts(rules(zone, extra=extra), utc(2026, 6, 1), utc(2026, 6, 2))
    assert local_times(starts, zone)[-2:] == ["19:00", "20:00"]


def test_notice_horizon_and_caps():
    zone = ZoneInfo("UTC")
    base = rules(zone, earliest=utc(2026, 6, 1, 12), latest=utc(2026, 6, 3))
    starts = available_starts(base, utc(2026, 6, 1), utc(2026, 6, 10))
    assert starts[0] == utc(2026, 6, 1, 12) and starts[-1] == utc(2026, 6, 2, 16)
    capped = rules(zone, max_per_day=1, booked_starts=(utc(2026, 6, 1, 9),))
    assert [s.day for s in available_starts(capped, utc(2026, 6, 1), utc(2026, 6, 3))].count(1) == 0
    weekly = rules(zone, max_per_week=1, booked_starts=(utc(2026, 6, 1, 9),))  # Monday 1 June
    assert available_starts(weekly, utc(2026, 6, 1), utc(2026, 6, 8)) == []
    assert available_starts(weekly, utc(2026, 6, 8), utc(2026, 6, 9))[0] == utc(2026, 6, 8, 9)

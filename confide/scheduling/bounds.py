"""The dates scheduling accepts from a person: years 2000 to 2100.

Why: a date like 9999-12-31 or 0001-01-01 is a typo or a probe, never a
session, and stepping a day or a time zone past either end of Python's
calendar raises ``OverflowError`` deep inside slot and week arithmetic. Every
date or instant a page, form or API call takes is checked here first, so it
gets a sentence instead of a server error.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError

EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
OUT_OF_RANGE = "Choose a date between 2000 and 2100."


def check_day(day: date) -> date:
    """``day`` when it is in range, else ValidationError with a sentence."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationError(OUT_OF_RANGE)
    return day


def check_instant(at: datetime) -> datetime:
    """``at`` when its date (in its own offset) is in range, else ValidationError."""
    check_day(at.date())
    return at

"""Working days in Saudi Arabia: Sunday to Thursday (Friday and Saturday are the weekend).

Response deadlines counted in working days (a complaint answered within 5 working days)
use these; calendar-day periods (the committee's decision period) do not.
"""
from __future__ import annotations

from datetime import date, timedelta

# date.weekday(): Monday 0 … Friday 4, Saturday 5, Sunday 6.
WEEKEND = frozenset({4, 5})


def is_working_day(day: date) -> bool:
    return day.weekday() not in WEEKEND


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (the day of receipt itself is not counted).
    5 working days from a Thursday, a Friday or a Saturday all end on the next Thursday."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when end is before start)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for i in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=i)))

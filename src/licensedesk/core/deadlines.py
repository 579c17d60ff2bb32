"""Statutory deadlines: calendar days and Chinese working days.

Working days follow the State Council's holiday arrangements through chinesecalendar: public holidays
are skipped and the weekend days declared make-up working days (调休) count. For a year the library has
no data for yet (arrangements are published each November for the next year), weekends alone are
skipped and the result says it is approximate, so a deadline is never shown as settled when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

UNITS = ("days", "working_days")


@dataclass(frozen=True)
class Deadline:
    due: date
    approximate: bool = False


def holiday_calendar_known(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date) -> bool:
    """True on a Chinese working day (make-up working days included); Monday–Friday where unknown."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def deadline(start: date, amount: int, unit: str) -> Deadline:
    """``start`` plus ``amount`` calendar days or working days, counted from the day after ``start``."""
    if unit == "days":
        return Deadline(start + timedelta(days=amount))
    if unit != "working_days":
        raise ValueError(f"unknown time unit {unit!r}; known: {', '.join(UNITS)}")
    day, left, approximate = start, amount, False
    while left:
        day += timedelta(days=1)
        approximate = approximate or not holiday_calendar_known(day.year)
        if is_working_day(day):
            left -= 1
    return Deadline(day, approximate)


def add_period(start: date, amount: int, unit: str) -> date:
    return deadline(start, amount, unit).due


def renewal_due(expires_on: date, lead_days: int) -> date:
    """The last day to apply for renewal: ``lead_days`` before expiry."""
    return expires_on - timedelta(days=lead_days)


def annual_report_window(year: int, window_from: str, window_to: str) -> tuple[date, date]:
    """The annual-report window of ``year`` from the catalog's MM-DD bounds."""
    start = date.fromisoformat(f"{year}-{window_from}")
    end = date.fromisoformat(f"{year}-{window_to}")
    return start, end

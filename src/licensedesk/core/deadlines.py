"""Statutory deadlines: calendar days and Chinese working days, counted as Chinese law counts them.

The rules, each from its source:

- **A period counted in days starts on the day after the event** (民法典 第二百零一条: 按照年、月、日
  计算期间的，开始的当日不计入，自下一日开始计算). ``deadline(start, n, unit)`` therefore counts day 1 as
  ``start + 1``, for calendar days and for working days alike.
- **Working days** (行政许可法 第四十二条: the licensing limits; 第八十二条: 本法规定的行政机关实施行政许可的
  期限以工作日计算，不含法定节假日) skip weekends and statutory holidays and count the official make-up
  working days (调休上班的周末) as working days. The State Council publishes each year's arrangement
  in November for the next year; chinesecalendar carries the published years, and
  ``core/data/workday_overrides.yaml`` carries a year the installed library does not know yet (with
  the notice it comes from). A date in a year neither knows is counted on Monday–Friday and the result
  is marked ``approximate``: never silently.
- **A calendar-day period whose last day is not a working day ends on the next working day**
  (民法典 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日). Weekends
  that are not make-up working days count as rest days here, as courts and administrations read it.
  Working-day periods end on a working day by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import chinese_calendar
import yaml

UNITS = ("days", "working_days")

#: the articles behind the counting rules, as the CLI and the case page cite them
COUNTING_RULES = {
    "start": "民法典 第二百零一条",
    "working_days": "行政许可法 第八十二条",
    "end_on_rest_day": "民法典 第二百零三条",
}


@dataclass(frozen=True)
class Deadline:
    """A due date; ``approximate`` when a day it depends on lies in a year without a published
    holiday arrangement (weekends alone were skipped there)."""

    due: date
    approximate: bool = False


@dataclass(frozen=True)
class YearArrangement:
    """One year's holiday arrangement from the overrides file: the statutory holidays and the make-up
    working days (weekend days worked), and the notice they come from."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str


class OverridesError(ValueError):
    """The overrides file is malformed; the message names the year and the entry."""


def _dates(year: int, key: str, values: Any) -> frozenset[date]:
    if values is None:
        return frozenset()
    if not isinstance(values, list):
        raise OverridesError(f"workday overrides: {year}.{key}: a list of dates is expected")
    out = set()
    for i, value in enumerate(values):
        day = value if isinstance(value, date) else None
        if day is None:
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                raise OverridesError(
                    f"workday overrides: {year}.{key}[{i}]: {value!r} is not a date"
                ) from None
        if day.year != year:
            raise OverridesError(f"workday overrides: {year}.{key}[{i}]: {day} is not in {year}")
        out.add(day)
    return frozenset(out)


def parse_overrides(data: Mapping[Any, Any] | None) -> dict[int, YearArrangement]:
    """The ``years:`` mapping of the overrides file, checked: every year names its source, dates lie in
    their year, no day is both a holiday and a make-up working day."""
    years = (data or {}).get("years") or {}
    if not isinstance(years, Mapping):
        raise OverridesError("workday overrides: 'years' must map a year to its arrangement")
    out: dict[int, YearArrangement] = {}
    for raw_year, entry in years.items():
        try:
            year = int(raw_year)
        except (TypeError, ValueError):
            raise OverridesError(f"workday overrides: {raw_year!r} is not a year") from None
        if not isinstance(entry, Mapping) or not str(entry.get("source") or "").strip():
            raise OverridesError(
                f"workday overrides: {year}.source: the notice the dates come from is required"
            )
        holidays = _dates(year, "holidays", entry.get("holidays"))
        workdays = _dates(year, "workdays", entry.get("workdays"))
        both = sorted(holidays & workdays)
        if both:
            raise OverridesError(f"workday overrides: {year}: {both[0]} is both a holiday and a working day")
        out[year] = YearArrangement(year, holidays, workdays, str(entry["source"]).strip())
    return out


@cache
def _packaged_overrides() -> dict[int, YearArrangement]:
    text = resources.files("licensedesk.core.data").joinpath("workday_overrides.yaml").read_text("utf-8")
    return parse_overrides(yaml.safe_load(text))


@cache
def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=8192)
def _library_workday(day: date) -> bool | None:
    """chinesecalendar's answer for ``day`` (None: a year it does not know). Cached: the library checks
    each date against the span of its whole table (a min and a max over it) on every call, which made
    the reports' clocks of a few thousand cases spend a second here."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class WorkCalendar:
    """Chinese working days: the overrides file first, then chinesecalendar, then Monday–Friday."""

    overrides: Mapping[int, YearArrangement] = field(default_factory=dict)

    def known(self, year: int) -> bool:
        return year in self.overrides or _library_knows(year)

    def is_working_day(self, day: date) -> bool:
        arrangement = self.overrides.get(day.year)
        if arrangement is not None:
            if day in arrangement.workdays:
                return True
            return day.weekday() < 5 and day not in arrangement.holidays
        known = _library_workday(day)
        return day.weekday() < 5 if known is None else known

    def deadline(self, start: date, amount: int, unit: str) -> Deadline:
        """``start`` plus ``amount`` calendar or working days, counted from the day after ``start``."""
        if unit not in UNITS:
            raise ValueError(f"unknown time unit {unit!r}; known: {', '.join(UNITS)}")
        if amount < 0:
            raise ValueError(f"a period cannot be negative ({amount})")
        if unit == "days":
            day = start + timedelta(days=amount)
            approximate = not self.known(day.year)
            while not self.is_working_day(day):  # 民法典 第二百零三条
                day += timedelta(days=1)
                approximate = approximate or not self.known(day.year)
            return Deadline(day, approximate)
        day, left, approximate = start, amount, False
        while left:
            day += timedelta(days=1)
            approximate = approximate or not self.known(day.year)
            if self.is_working_day(day):
                left -= 1
        return Deadline(day, approximate)

    def days_left(self, today: date, due: date, unit: str) -> int:
        """Days from ``today`` to ``due`` as the law counts the period: working days for a working-day
        limit, calendar days otherwise; negative when overdue (that many days past)."""
        if unit == "days":
            return (due - today).days
        if unit not in UNITS:
            raise ValueError(f"unknown time unit {unit!r}; known: {', '.join(UNITS)}")
        step = 1 if due >= today else -1
        count, day = 0, today
        while day != due:
            day += timedelta(days=step)
            if self.is_working_day(day):
                count += step
        return count


@cache
def default_calendar() -> WorkCalendar:
    """The calendar with the packaged overrides file."""
    return WorkCalendar(_packaged_overrides())


def holiday_calendar_known(year: int) -> bool:
    return default_calendar().known(year)


def is_working_day(day: date) -> bool:
    """True on a Chinese working day (make-up working days included); Monday–Friday where unknown."""
    return default_calendar().is_working_day(day)


def deadline(start: date, amount: int, unit: str) -> Deadline:
    """``start`` plus ``amount`` calendar days or working days, counted from the day after ``start``;
    a calendar-day period ending on a rest day ends on the next working day."""
    return default_calendar().deadline(start, amount, unit)


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

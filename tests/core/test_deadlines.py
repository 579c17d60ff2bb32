from datetime import date

import pytest

from licensedesk.core.deadlines import (
    Deadline,
    add_period,
    annual_report_window,
    deadline,
    holiday_calendar_known,
    is_working_day,
    renewal_due,
)


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts() -> None:
    # 2026: 1–7 October are holidays, Saturday 10 October is a make-up working day.
    assert not is_working_day(date(2026, 10, 1))
    assert is_working_day(date(2026, 10, 10))
    # five working days from Wednesday 30 September: 8, 9, 10 (Sat, make-up), 12, 13 October
    assert deadline(date(2026, 9, 30), 5, "working_days") == Deadline(date(2026, 10, 13), approximate=False)


def test_calendar_days_ignore_holidays() -> None:
    assert add_period(date(2026, 9, 30), 10, "days") == date(2026, 10, 10)


def test_plain_weekend_skipping_outside_the_published_calendar_is_marked_approximate() -> None:
    assert not holiday_calendar_known(2099)
    result = deadline(date(2099, 1, 2), 1, "working_days")  # a Friday
    assert result == Deadline(date(2099, 1, 5), approximate=True)


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time unit 'weeks'; known: days, working_days"):
        deadline(date(2026, 1, 1), 1, "weeks")


def test_renewal_and_annual_report_dates() -> None:
    assert renewal_due(date(2031, 11, 28), 90) == date(2031, 8, 30)
    assert annual_report_window(2027, "01-01", "03-31") == (date(2027, 1, 1), date(2027, 3, 31))

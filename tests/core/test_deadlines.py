import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from licensedesk.core.deadlines import (
    Deadline,
    OverridesError,
    WorkCalendar,
    add_period,
    annual_report_window,
    deadline,
    default_calendar,
    holiday_calendar_known,
    is_working_day,
    parse_overrides,
    renewal_due,
)


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts() -> None:
    # 2026: 1–7 October are holidays, Saturday 10 October is a make-up working day.
    assert not is_working_day(date(2026, 10, 1))
    assert is_working_day(date(2026, 10, 10))
    # five working days from Wednesday 30 September: 8, 9, 10 (Sat, make-up), 12, 13 October
    assert deadline(date(2026, 9, 30), 5, "working_days") == Deadline(date(2026, 10, 13), approximate=False)


def test_calendar_days_count_holidays_and_may_end_on_a_make_up_saturday() -> None:
    # 10 days from 30 September 2026 end on Saturday 10 October, a make-up working day: it stands
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


def test_national_day_2025_with_its_sunday_and_saturday_make_up_days() -> None:
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are worked.
    assert is_working_day(date(2025, 9, 28)) and is_working_day(date(2025, 10, 11))
    # from Friday 26 September: 28 (Sun), 29, 30 September, 9, 10, 11 (Sat) October
    assert deadline(date(2025, 9, 26), 6, "working_days") == Deadline(date(2025, 10, 11))
    # 20 working days from the same day (the ICP filing's limit): 28–30 September, 9–11 October, 13–30 October
    assert add_period(date(2025, 9, 26), 20, "working_days") == date(2025, 10, 30)


def test_spring_festival_2026_with_its_make_up_saturdays() -> None:
    # 2026: 15–23 February off; Saturdays 14 and 28 February are worked.
    assert deadline(date(2026, 2, 12), 2, "working_days") == Deadline(date(2026, 2, 14))
    assert deadline(date(2026, 2, 13), 2, "working_days") == Deadline(date(2026, 2, 24))
    assert deadline(date(2026, 2, 26), 2, "working_days") == Deadline(date(2026, 2, 28))


def test_a_calendar_day_period_ending_on_a_holiday_ends_on_the_next_working_day() -> None:
    # 民法典 第二百零三条: 10 days from 5 February 2026 end on Sunday 15 February, in the Spring
    # Festival: the period ends on Tuesday 24 February
    assert deadline(date(2026, 2, 5), 10, "days") == Deadline(date(2026, 2, 24))
    # an ordinary Sunday moves to Monday
    assert add_period(date(2026, 11, 1), 7, "days") == date(2026, 11, 9)


def test_the_period_starts_on_the_day_after_the_event() -> None:
    # 民法典 第二百零一条: one day from Monday 30 November 2026 is Tuesday 1 December
    assert add_period(date(2026, 11, 30), 1, "days") == date(2026, 12, 1)
    assert add_period(date(2026, 11, 30), 1, "working_days") == date(2026, 12, 1)
    assert add_period(date(2026, 11, 30), 0, "days") == date(2026, 11, 30)


def test_across_the_year_end_into_an_unpublished_year_is_approximate() -> None:
    assert holiday_calendar_known(2026)
    # 28 December 2026 + 5 working days: 29, 30, 31 December, then 2027 (not published): 1?, 4
    result = deadline(date(2026, 12, 28), 5, "working_days")
    assert result.approximate
    # a calendar-day period ending in 2027 is approximate too: the day may be a holiday
    assert deadline(date(2026, 12, 1), 40, "days").approximate
    assert not deadline(date(2026, 11, 1), 40, "days").approximate


def test_leap_days_count() -> None:
    assert add_period(date(2024, 1, 30), 30, "days") == date(2024, 2, 29)  # a Thursday, worked
    assert add_period(date(2024, 2, 28), 1, "working_days") == date(2024, 2, 29)


def test_the_overrides_file_makes_an_unpublished_year_exact() -> None:
    arrangement = parse_overrides(
        {
            "years": {
                2099: {
                    "source": "国务院办公厅关于2099年部分节假日安排的通知（测试）",
                    "holidays": ["2099-01-01", "2099-01-02"],
                    "workdays": ["2099-01-03"],  # a Saturday worked
                }
            }
        }
    )
    calendar = WorkCalendar(arrangement)
    assert calendar.known(2099) and not default_calendar().known(2099)
    # from Wednesday 31 December 2098 (not published either: approximate), 1 January 2099 is off
    assert calendar.deadline(date(2099, 1, 1), 1, "working_days") == Deadline(date(2099, 1, 3))
    assert calendar.deadline(date(2099, 1, 3), 1, "working_days") == Deadline(date(2099, 1, 5))
    assert calendar.deadline(date(2098, 12, 30), 1, "working_days").approximate


def test_the_packaged_overrides_file_is_valid() -> None:
    calendar = default_calendar()
    for year, arrangement in calendar.overrides.items():
        assert arrangement.source
        assert all(d.year == year for d in arrangement.holidays | arrangement.workdays)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"years": {2099: {"holidays": []}}},
            "workday overrides: 2099.source: the notice the dates come from",
        ),
        (
            {"years": {2099: {"source": "x", "holidays": ["2098-12-31"]}}},
            "2099.holidays[0]: 2098-12-31 is not in 2099",
        ),
        (
            {"years": {2099: {"source": "x", "workdays": ["tomorrow"]}}},
            "2099.workdays[0]: 'tomorrow' is not a date",
        ),
        (
            {"years": {2099: {"source": "x", "holidays": ["2099-01-03"], "workdays": ["2099-01-03"]}}},
            "2099: 2099-01-03 is both a holiday and a working day",
        ),
        ({"years": {"next": {"source": "x"}}}, "workday overrides: 'next' is not a year"),
    ],
)
def test_a_malformed_overrides_file_is_refused_naming_the_entry(data: dict, message: str) -> None:
    with pytest.raises(OverridesError, match=re.escape(message)):
        parse_overrides(data)


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 11, 30)),
    amount=st.integers(min_value=1, max_value=60),
)
def test_a_working_day_deadline_is_a_working_day_and_days_left_counts_back_to_it(
    start: date, amount: int
) -> None:
    calendar = default_calendar()
    result = calendar.deadline(start, amount, "working_days")
    assert result.due > start and calendar.is_working_day(result.due)
    assert calendar.days_left(start, result.due, "working_days") == amount
    assert calendar.days_left(result.due, start, "working_days") <= 0


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 10, 31)),
    amount=st.integers(min_value=1, max_value=60),
)
def test_a_calendar_day_deadline_is_the_first_working_day_on_or_after_the_plain_sum(
    start: date, amount: int
) -> None:
    calendar = default_calendar()
    due = calendar.deadline(start, amount, "days").due
    plain = start + timedelta(days=amount)
    assert due >= plain and calendar.is_working_day(due)
    assert all(not calendar.is_working_day(plain + timedelta(days=i)) for i in range((due - plain).days))

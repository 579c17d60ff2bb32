"""The catalog's date rules for materials (``date_rules`` on a material), checked when a reviewer accepts
a document: the reviewer reads the document's date and validity off the scan; whether that is recent
enough or still valid is decided here, against today's date in China. Plain Python, no Django.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from licensedesk.core.catalog.models import DateRules


@dataclass(frozen=True)
class DateProblem:
    """Why a document's dates do not satisfy its material's rules; ``field`` names the form field."""

    code: str
    field: str
    message: str
    message_zh: str


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def date_problems(
    rules: DateRules | None,
    *,
    document_date: date | None,
    valid_until: date | None,
    long_term: bool,
    today: date,
) -> list[DateProblem]:
    """Every way the document's dates break ``rules`` (empty when they hold, or when there are none)."""
    if rules is None:
        return []
    problems: list[DateProblem] = []
    if rules.max_age_months is not None:
        months = rules.max_age_months
        if document_date is None:
            problems.append(
                DateProblem(
                    "material.document_date_required",
                    "document_date",
                    f"Enter the date of the document: it must be dated within the last {months} months.",
                    f"请填写文件日期：文件须为最近 {months} 个月内出具。",
                )
            )
        elif document_date > today:
            problems.append(
                DateProblem(
                    "material.document_date_in_future",
                    "document_date",
                    f"The document date {document_date} is after today ({today}).",
                    f"文件日期 {document_date} 晚于今天（{today}）。",
                )
            )
        elif document_date < add_months(today, -months):
            problems.append(
                DateProblem(
                    "material.document_too_old",
                    "document_date",
                    f"The document is dated {document_date}, more than {months} months before today "
                    f"({today}); ask the client for a more recent one.",
                    f"文件日期为 {document_date}，距今天（{today}）已超过 {months} 个月，"
                    "请客户提供最近的文件。",
                )
            )
    if rules.not_expired:
        if valid_until is None and not long_term:
            problems.append(
                DateProblem(
                    "material.valid_until_required",
                    "valid_until",
                    "Enter the date the document is valid until, or mark it valid long-term.",
                    "请填写文件有效期截止日，或勾选“长期有效”。",
                )
            )
        elif valid_until is not None and valid_until < today:
            problems.append(
                DateProblem(
                    "material.document_expired",
                    "valid_until",
                    f"The document expired on {valid_until} (today is {today}); "
                    "ask the client for a valid one.",
                    f"文件已于 {valid_until} 过期（今天是 {today}），请客户提供有效文件。",
                )
            )
    return problems


def accepted_until(
    rules: DateRules | None, *, document_date: date | None, valid_until: date | None, long_term: bool
) -> date | None:
    """The last day an accepted document still satisfies ``rules`` (None: no end). After it the
    material counts as expired and must be sent again."""
    if rules is None:
        return None
    ends: list[date] = []
    if rules.max_age_months is not None and document_date is not None:
        ends.append(add_months(document_date, rules.max_age_months))
    if rules.not_expired and valid_until is not None and not long_term:
        ends.append(valid_until)
    return min(ends) if ends else None

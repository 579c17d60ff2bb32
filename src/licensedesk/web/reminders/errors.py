"""The reminders' error codes, declared once."""

from __future__ import annotations

from licensedesk.core.errors import InvalidInput

DAYS_INVALID = "reminders.days_invalid"

MAX_DAYS_BEFORE = 365


def days_invalid(text: str) -> InvalidInput:
    return InvalidInput(
        f"Reminder days must be whole numbers from 0 to {MAX_DAYS_BEFORE}, separated by commas: {text!r}.",
        code=DAYS_INVALID,
        message_zh=f"提醒天数须为 0 到 {MAX_DAYS_BEFORE} 之间的整数，用逗号分隔。",
        details={"field": "days_before", "value": text},
    )

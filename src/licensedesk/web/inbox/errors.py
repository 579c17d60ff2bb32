"""The inbox's error codes, declared once."""

from __future__ import annotations

from licensedesk.core.errors import InvalidInput, NotFound

ITEM_NOT_FOUND = "inbox.item_not_found"
MODE_INVALID = "inbox.email_mode_invalid"


def item_not_found(item_id: int) -> NotFound:
    return NotFound(
        f"No inbox item {item_id} of yours.",
        code=ITEM_NOT_FOUND,
        message_zh="没有这条收件箱条目。",
        details={"item": item_id},
    )


def mode_invalid(mode: str) -> InvalidInput:
    return InvalidInput(
        f"Unknown email option {mode!r}.",
        code=MODE_INVALID,
        message_zh="请选择一种邮件提醒方式。",
        details={"field": "email_mode"},
    )

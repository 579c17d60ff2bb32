"""The navigator page's error codes, declared once."""

from __future__ import annotations

from licensedesk.core.errors import InvalidInput

NOTHING_CHOSEN = "navigator.nothing_chosen"
NOT_NEEDED = "navigator.license_not_needed"
ANSWERS_INVALID = "navigator.answers_invalid"


def nothing_chosen() -> InvalidInput:
    return InvalidInput(
        "Choose at least one license to open a case for.",
        code=NOTHING_CHOSEN,
        message_zh="请至少选择一项许可证来开案。",
    )


def not_needed(license_ids: list[str], names_zh: list[str], names_en: list[str]) -> InvalidInput:
    return InvalidInput(
        "These answers do not call for a case for: " + ", ".join(names_en) + ".",
        code=NOT_NEEDED,
        message_zh="按这些回答，以下许可不需要办理，不能开案：" + "、".join(names_zh) + "。",
        details={"licenses": license_ids},
    )


def answers_invalid(problems: list[str]) -> InvalidInput:
    return InvalidInput(
        "The answers are not valid: " + "; ".join(problems),
        code=ANSWERS_INVALID,
        message_zh="回答有误：" + "；".join(problems),
        details={"problems": problems},
    )

"""The register's error codes, declared once."""

from __future__ import annotations

from licensedesk.core.errors import InvalidInput

DUPLICATE_NUMBER = "register.duplicate_number"
UNKNOWN_LICENSE = "register.unknown_license"
UNKNOWN_SERVICE = "register.unknown_service"
END_STATUS_INVALID = "register.end_status_invalid"
REASON_REQUIRED = "register.reason_required"
DATE_INVALID = "register.date_invalid"
URL_REQUIRED = "register.url_required"
ALREADY_ENDED = "register.already_ended"
DUTY_UNKNOWN = "register.duty_unknown"
DUTY_HAS_CASE = "register.duty_has_case"
DUTY_NO_CASE_TYPE = "register.duty_no_case_type"

REASON_MIN_LENGTH = 5


def duplicate_number(number: str) -> InvalidInput:
    return InvalidInput(
        f"The register already holds license {number}.",
        code=DUPLICATE_NUMBER,
        message_zh=f"台账中已有许可证 {number}。",
        details={"field": "number"},
    )


def unknown_license(license_id: str) -> InvalidInput:
    return InvalidInput(
        f"Unknown license type {license_id!r}.",
        code=UNKNOWN_LICENSE,
        message_zh="请选择许可证类型。",
        details={"field": "license_id"},
    )


def unknown_service(service_id: str, *, field: str = "service_id") -> InvalidInput:
    """``field``: ``services`` where the services of a license are chosen, ``service_id`` where a proof
    names one of them."""
    return InvalidInput(
        f"The license does not cover the service {service_id!r}.",
        code=UNKNOWN_SERVICE,
        message_zh="该许可证未包含此业务。",
        details={"field": field},
    )


def end_status_invalid(status: str) -> InvalidInput:
    return InvalidInput(
        f"A license can be marked revoked or cancelled, not {status!r}.",
        code=END_STATUS_INVALID,
        message_zh="只能标记为“已吊销”或“已注销”。",
        details={"field": "status"},
    )


def reason_required() -> InvalidInput:
    return InvalidInput(
        f"Give the reason (at least {REASON_MIN_LENGTH} characters).",
        code=REASON_REQUIRED,
        message_zh=f"请填写原因（至少 {REASON_MIN_LENGTH} 个字）。",
        details={"field": "reason"},
    )


def date_invalid(field: str, message: str, message_zh: str) -> InvalidInput:
    return InvalidInput(message, code=DATE_INVALID, message_zh=message_zh, details={"field": field})


def url_required() -> InvalidInput:
    return InvalidInput(
        "A live website needs its URL.",
        code=URL_REQUIRED,
        message_zh="网站上线须填写网址。",
        details={"field": "url"},
    )


def already_ended(status: str) -> InvalidInput:
    return InvalidInput(
        f"The license is already {status}.",
        code=ALREADY_ENDED,
        message_zh="该许可证已被标记为吊销或注销。",
        details={"field": "status"},
    )


def duty_unknown() -> InvalidInput:
    return InvalidInput(
        "The license has no such duty now (it may have been done, dismissed or the license ended).",
        code=DUTY_UNKNOWN,
        message_zh="该许可证当前没有这项义务（可能已完成、已撤销或许可证已终止）。",
        details={"field": "period"},
    )


def duty_has_case(number: str, done: bool) -> InvalidInput:
    if done:
        return InvalidInput(
            f"This duty is already done (case {number}).",
            code=DUTY_HAS_CASE,
            message_zh=f"该义务已办结（案件 {number}）。",
            details={"field": "period", "case": number},
        )
    return InvalidInput(
        f"This duty already has an open case ({number}).",
        code=DUTY_HAS_CASE,
        message_zh=f"该义务已有在办案件（{number}）。",
        details={"field": "period", "case": number},
    )


def duty_no_case_type(title_zh: str, title_en: str) -> InvalidInput:
    return InvalidInput(
        f"The catalog has no case for this duty of the {title_en}; handle it outside a case.",
        code=DUTY_NO_CASE_TYPE,
        message_zh=f"目录中没有{title_zh}这项义务的案件类型，请在案件之外办理。",
        details={"field": "kind"},
    )

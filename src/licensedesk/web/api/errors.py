"""The API's own error codes (declared once; the domain's codes come from the services unchanged)."""

from __future__ import annotations

from licensedesk.core.errors import ApplicationError, InvalidInput, PermissionDenied

TOKEN_MISSING = "api.token_missing"
TOKEN_INVALID = "api.token_invalid"
TOKEN_EXPIRED = "api.token_expired"
TOKEN_REVOKED = "api.token_revoked"
TOKEN_OWNER_INACTIVE = "api.token_owner_inactive"
SCOPE_MISSING = "api.scope_missing"
RATE_LIMITED = "api.rate_limited"
VALIDATION = "api.validation_failed"
NOT_FOUND = "api.not_found"
PRECONDITION_REQUIRED = "api.if_match_required"
PRECONDITION_INVALID = "api.if_match_invalid"
CURSOR_INVALID = "api.cursor_invalid"
TOKEN_NAME_INVALID = "api.token_name_invalid"
TOKEN_SCOPES_INVALID = "api.token_scopes_invalid"
TOKEN_EXPIRY_INVALID = "api.token_expiry_invalid"
INTERNAL = "api.internal_error"
REQUEST_REFUSED = "api.request_refused"


class Unauthenticated(ApplicationError):
    """No usable token: missing, unknown, expired, revoked, or its admin can no longer act."""

    default_code = TOKEN_INVALID
    http_status = 401


class PreconditionRequired(ApplicationError):
    """A write that needs the version the caller read (``If-Match``) came without it (RFC 6585)."""

    default_code = PRECONDITION_REQUIRED
    http_status = 428


def scope_missing(needed: str) -> PermissionDenied:
    return PermissionDenied(
        f"This token lacks the scope {needed}.",
        code=SCOPE_MISSING,
        message_zh=f"此令牌没有 {needed} 权限范围。",
        details={"scope": needed},
    )


def if_match_required() -> PreconditionRequired:
    return PreconditionRequired(
        'Send the case version you read as If-Match (e.g. If-Match: "3").',
        message_zh='请在 If-Match 请求头中提供您读取到的案件版本（例如 If-Match: "3"）。',
    )


def if_match_invalid(value: str) -> InvalidInput:
    return InvalidInput(
        f'If-Match {value!r} is not a case version (a number in quotes, e.g. "3").',
        code=PRECONDITION_INVALID,
        message_zh=f'If-Match 值 {value!r} 不是案件版本（带引号的数字，例如 "3"）。',
        details={"field": "If-Match"},
    )


def cursor_invalid() -> InvalidInput:
    return InvalidInput(
        "The cursor is not one this list handed out.",
        code=CURSOR_INVALID,
        message_zh="分页游标无效。",
        details={"field": "cursor"},
    )

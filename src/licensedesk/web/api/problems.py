"""Errors as ``application/problem+json`` (RFC 9457): every refusal of the API, whatever raised it.

A problem carries the standard members (``type``, ``title``, ``status``, ``detail``, ``instance``) and
the domain's: ``code`` (the stable error code of the service that refused, e.g. ``case.changed``),
``detail_zh`` (the Chinese message the web shows) and, for input that failed validation, ``errors``:
one ``{"path", "code", "message"}`` per field (``title``, ``company.uscc``, ``If-Match``).
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from licensedesk.core.errors import ApplicationError
from licensedesk.web.api import errors

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:licensedesk:problem:"

#: The schema of a problem in the OpenAPI document.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code", "detail_zh"],
    "properties": {
        "type": {"type": "string", "description": "urn:licensedesk:problem:<code>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "English"},
        "detail_zh": {"type": "string", "description": "简体中文"},
        "code": {"type": "string", "description": "The domain's stable error code."},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {
                    "path": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
        "details": {"type": "object"},
    },
}


def problem(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    detail: str,
    detail_zh: str,
    field_errors: list[dict[str, Any]] | None = None,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "detail_zh": detail_zh,
        "code": code,
        "instance": request.path,
    }
    if field_errors:
        body["errors"] = field_errors
    if details:
        body["details"] = details
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type=f"{CONTENT_TYPE}; charset=utf-8",
    )


def _field_errors(exc: ApplicationError) -> list[dict[str, Any]]:
    """The field paths a domain error names: a profile's problems, or its one ``field``."""
    problems = exc.details.get("problems")
    if isinstance(problems, list):
        return [
            {"path": p.get("path", ""), "code": p.get("code", ""), "message": p.get("message", "")}
            for p in problems
            if isinstance(p, dict)
        ]
    field = exc.details.get("field")
    if isinstance(field, str):
        return [{"path": field, "code": exc.code, "message": exc.message}]
    return []


def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    details = {k: v for k, v in exc.details.items() if k not in ("problems", "field")}
    return problem(
        request,
        status=exc.http_status,
        code=exc.code,
        detail=exc.message,
        detail_zh=exc.message_zh,
        field_errors=_field_errors(exc),
        details=details,
    )


def _path(loc: list[Any] | tuple[Any, ...]) -> str:
    """``("body", "payload", "reference", 0, "number")`` → ``reference[0].number`` (the request part
    and Ninja's parameter name dropped)."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "form", "file"):
        parts = parts[1:]
        if parts and parts[0] in ("payload", "filters", "profile"):
            parts = parts[1:]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    field_errors = [
        {"path": _path(e.get("loc", ())), "code": str(e.get("type", "")), "message": str(e.get("msg", ""))}
        for e in exc.errors
    ]
    names = ", ".join(e["path"] or "body" for e in field_errors)
    return problem(
        request,
        status=422,
        code=errors.VALIDATION,
        detail=f"The request is not valid: {names}.",
        detail_zh=f"请求内容无效：{names}。",
        field_errors=field_errors,
    )


def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, status=404, code=errors.NOT_FOUND, detail="Not found.", detail_zh="未找到。")


def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, Throttled):
        return problem(
            request,
            status=429,
            code=errors.RATE_LIMITED,
            detail="Too many requests with this token; retry after the time in Retry-After.",
            detail_zh="此令牌的请求过多，请在 Retry-After 所示秒数后重试。",
        )
    if isinstance(exc, AuthenticationError):
        return problem(
            request,
            status=401,
            code=errors.TOKEN_MISSING,
            detail="Send an API token: Authorization: Bearer <token>.",
            detail_zh="请提供 API 令牌：Authorization: Bearer <令牌>。",
        )
    status = exc.status_code
    return problem(request, status=status, code=f"http.{status}", detail=str(exc), detail_zh=str(exc))


def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if isinstance(exc, ApplicationError):  # raised inside an auth callback
        return application_error(request, exc)
    if isinstance(exc, SuspiciousOperation):  # a body Django refuses to read (too many fields …)
        return problem(
            request,
            status=400,
            code=errors.REQUEST_REFUSED,
            detail=f"The request was refused: {type(exc).__name__}.",
            detail_zh="请求被拒绝：请求内容不符合要求。",
        )
    logger.exception("API error at %s", request.path, exc_info=exc)
    return problem(
        request,
        status=500,
        code=errors.INTERNAL,
        detail="Something went wrong on our side; nothing was changed by this request.",
        detail_zh="服务器内部错误，此请求未作任何更改。",
    )


def install(api: Any) -> None:
    api.add_exception_handler(ApplicationError, application_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Exception, unexpected)

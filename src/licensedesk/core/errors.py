"""Application errors with stable codes, raised by services and selectors and mapped to HTTP by
:mod:`licensedesk.web.middleware`.

Free of Django imports on purpose: the stage machine (plain Python) raises these too. Each error carries
``code`` (stable, for callers, tests and UI branching: ``workflow.guard_failed``, ``case.changed`` …),
``message`` (English), ``message_zh`` (Chinese, shown first in the UI) and ``details`` (structured data,
e.g. which guard failed and what is missing).
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """Base of every expected, user-facing failure of a service or selector."""

    default_code = "error"
    http_status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        message_zh: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message
        self.message_zh = message_zh or message
        self.details = details or {}
        super().__init__(f"{self.code}: {message}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
            "details": self.details,
        }


class InvalidInput(ApplicationError):
    """The caller passed data that breaks a rule (a bad profile, a license number, a date order)."""

    default_code = "invalid"
    http_status = 400


class PermissionDenied(ApplicationError):
    """The actor's role or tenancy does not allow the action."""

    default_code = "permission.denied"
    http_status = 403


class NotFound(ApplicationError):
    """Nothing the actor may see has that id (existence in another tenant is never revealed)."""

    default_code = "not_found"
    http_status = 404


class WorkflowError(ApplicationError):
    """A stage move that the license's workflow or its guards refuse."""

    default_code = "workflow.error"
    http_status = 409


class ConcurrencyError(ApplicationError):
    """Someone else changed the object since the caller read it (optimistic locking)."""

    default_code = "case.changed"
    http_status = 409

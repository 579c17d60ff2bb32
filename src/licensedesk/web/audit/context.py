"""What the current request adds to every audit event it writes (e.g. the API token a call came with),
so the trail tells a change made through the API from one made on a page without every service being
told. Set by the caller for the length of one request; empty otherwise."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_extra: ContextVar[dict[str, Any] | None] = ContextVar("audit_extra", default=None)


def audit_context() -> dict[str, Any]:
    return dict(_extra.get() or {})


def audit_context_set(**data: Any) -> None:
    _extra.set({**(_extra.get() or {}), **data})


def audit_context_clear(**_: Any) -> None:
    """Also a signal receiver (request_started / request_finished): a worker thread's next request
    never inherits the last one's context."""
    _extra.set(None)

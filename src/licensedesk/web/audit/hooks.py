"""Hooks other apps plug into :func:`licensedesk.web.audit.services.audit_record`, without signals and
without the audit app importing them.

``recorded``: called inside ``audit_record``'s transaction, right after the event row is written, with
``event=`` (the :class:`~licensedesk.web.audit.models.AuditEvent`) and ``case=`` (the case object
``audit_record`` was given, or None). Every state change records its event
in the transaction of the change, so a hook's writes commit or roll back with the change itself: the
webhooks app writes its outbox here. A hook that raises aborts the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

RecordedHook = Callable[..., None]

_RECORDED: dict[str, RecordedHook] = {}


def register_recorded(name: str, hook: RecordedHook) -> None:
    """Register ``hook`` under ``name``; the same name again replaces it (``ready()`` may run twice)."""
    _RECORDED[name] = hook


def run_recorded(*, event: Any, case: Any = None) -> None:
    for hook in list(_RECORDED.values()):
        hook(event=event, case=case)


@contextmanager
def recorded_hooks_disabled() -> Iterator[None]:
    """No hook runs inside the block (tests of the audit trail alone)."""
    saved = dict(_RECORDED)
    _RECORDED.clear()
    try:
        yield
    finally:
        _RECORDED.update(saved)

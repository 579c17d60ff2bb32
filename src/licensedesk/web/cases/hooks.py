"""Hooks other apps plug into case services, without signals and without cases importing them.

``check_stored``: called by :func:`licensedesk.web.cases.services.case_run_check` inside its transaction,
right after the new :class:`~licensedesk.web.cases.models.CaseCheck` row is written, with
``case=``, ``check=`` and ``actor=``. The materials app registers its checklist recomputation here (in
its ``AppConfig.ready()``), so a stored check and the checklist it implies commit or roll back together.
A hook that raises aborts the check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

CheckStoredHook = Callable[..., None]

_CHECK_STORED: dict[str, CheckStoredHook] = {}


def register_check_stored(name: str, hook: CheckStoredHook) -> None:
    """Register ``hook`` under ``name``; registering the same name again replaces it (``ready()`` may
    run more than once in tests)."""
    _CHECK_STORED[name] = hook


def run_check_stored(*, case: Any, check: Any, actor: Any) -> None:
    for hook in list(_CHECK_STORED.values()):
        hook(case=case, check=check, actor=actor)


@contextmanager
def check_stored_hooks_disabled() -> Iterator[None]:
    """No hook runs inside the block (tests of the cases app alone)."""
    saved = dict(_CHECK_STORED)
    _CHECK_STORED.clear()
    try:
        yield
    finally:
        _CHECK_STORED.update(saved)


# ``profile_updated``: called by :func:`licensedesk.web.cases.services.company_profile_update` inside its
# transaction, after the audit event, with ``company=``, ``paths=`` (the changed leaf paths, as
# ``company.legal_representative.name``) and ``actor=``. The register proposes change filings here.
ProfileUpdatedHook = Callable[..., None]

_PROFILE_UPDATED: dict[str, ProfileUpdatedHook] = {}


def register_profile_updated(name: str, hook: ProfileUpdatedHook) -> None:
    _PROFILE_UPDATED[name] = hook


def run_profile_updated(*, company: Any, paths: list[str], actor: Any) -> None:
    for hook in list(_PROFILE_UPDATED.values()):
        hook(company=company, paths=paths, actor=actor)

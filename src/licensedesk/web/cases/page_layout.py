"""Which part of the case page comes first: the one that matters at the case's stage.

A consultant opening a case at 审核材料 needs the checklist, at 通信管理局审查中 the authority's dates and
numbers, after the license the license; the eligibility check, decisive at qualification, is settled
afterwards and folds away (still one click from view). Read from the stage's phase and actor in the
catalog, so a new license's workflow gets a sensible order without a table here.
"""

from __future__ import annotations

from typing import Any, Literal

from licensedesk.core.errors import WorkflowError
from licensedesk.web.cases.selectors import case_machine

Focus = Literal["eligibility", "materials", "documents", "authority", "license"]

# the blocks of the page's main column, in their order when nothing comes first
_DEFAULT_ORDER: tuple[Focus, ...] = ("eligibility", "materials", "documents", "authority", "license")
_LICENSED_STAGES = frozenset({"approved", "licensed"})


def page_focus(case: Any, *, license_recorded: bool) -> Focus:
    """What matters now for ``case``."""
    if license_recorded or case.stage in _LICENSED_STAGES:
        return "license"
    try:
        stage = case_machine(case).stage(case.stage)
    except (WorkflowError, LookupError):
        return "eligibility"
    phase = getattr(stage, "phase", "")
    if phase == "qualification_and_contract":
        return "eligibility"
    if phase in ("client_prepares", "agency_review"):
        return "materials"
    if getattr(stage, "actor", "") == "agency" and phase == "draft_and_submit_online":
        return "documents"
    return "authority"


def page_order(focus: Focus) -> list[Focus]:
    """The main column's blocks: ``focus`` first, the others in their usual order."""
    return [focus, *(block for block in _DEFAULT_ORDER if block != focus)]

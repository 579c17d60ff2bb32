"""Which part of the case page comes first: the one that matters at the case's stage, and which parts a
case shows at all.

A consultant opening a case at 审核材料 needs the checklist, at 通信管理局审查中 the authority's dates and
numbers, once the license is granted the license; the eligibility check, decisive at qualification, is
settled afterwards and folds away (still one click from view). Read from the catalog: the stage's phase
and actor, the workflow's ``granted_at`` (the stages at which the case has achieved its purpose: a
license approved, an ICP filing filed, an annual report submitted), and for a duty case (annual report,
change, renewal) its case type's ``panels``: an annual report has no eligibility check and drafts no
documents, so its page does not show them. A new license or case type gets a sensible page without a
table here.
"""

from __future__ import annotations

from typing import Any, Literal

from licensedesk.core.errors import WorkflowError
from licensedesk.web.cases.case_types import case_type_spec
from licensedesk.web.cases.selectors import case_machine

Focus = Literal["eligibility", "materials", "documents", "authority", "license"]

# the blocks of the page's main column, in their order when nothing comes first
_DEFAULT_ORDER: tuple[Focus, ...] = ("eligibility", "materials", "documents", "authority", "license")


def page_panels(case: Any) -> tuple[Focus, ...]:
    """The blocks the case's page shows: all of them for an application, the case type's ``panels``
    (in the usual order) for a duty case."""
    spec = case_type_spec(case)
    if spec is None:
        return _DEFAULT_ORDER
    return tuple(block for block in _DEFAULT_ORDER if block in spec.panels)


def page_focus(case: Any, *, license_recorded: bool) -> Focus:
    """What matters now for ``case`` (always one of :func:`page_panels`)."""
    panels = page_panels(case)
    focus = _focus(case, license_recorded=license_recorded, duty=panels != _DEFAULT_ORDER)
    return focus if focus in panels else panels[0]


def _focus(case: Any, *, license_recorded: bool, duty: bool) -> Focus:
    if license_recorded:
        return "license"
    try:
        machine = case_machine(case)
        stage = machine.stage(case.stage)
    except (WorkflowError, LookupError):
        return "eligibility"
    if machine.is_granted(case.stage):
        return "license"
    phase = getattr(stage, "phase", "")
    actor = getattr(stage, "actor", "")
    if duty:  # a duty case: its materials until it is with the authority
        return "authority" if actor == "authority" or stage.terminal else "materials"
    if phase == "qualification_and_contract":
        return "eligibility"
    if phase in ("client_prepares", "agency_review"):
        return "materials"
    if actor == "agency" and phase == "draft_and_submit_online":
        return "documents"
    return "authority"


def page_order(focus: Focus, panels: tuple[Focus, ...] = _DEFAULT_ORDER) -> list[Focus]:
    """The main column's blocks: ``focus`` first, the others of ``panels`` in their usual order."""
    return [focus, *(block for block in _DEFAULT_ORDER if block != focus and block in panels)]

"""What the staff screens show about a case beyond its fields: the text of the active language, stage
titles, the step indicator, due dates and the overdue mark, error texts.

Pure functions of objects already loaded (the catalog is in memory): nothing here queries the database,
so list pages stay at a fixed number of queries however many rows they show.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import get_language

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.errors import ApplicationError, WorkflowError
from licensedesk.web.cases.selectors import case_machine
from licensedesk.web.portal.progress import steps_for

Lang = Literal["zh", "en"]


def current_lang() -> Lang:
    """'zh' or 'en', from the active Django language (Simplified Chinese unless English is chosen)."""
    return "en" if (get_language() or "").startswith("en") else "zh"


def localized(item: Any, key: str, lang: Lang | None = None) -> Any:
    """``item[key]`` in the active language, for the bilingual shapes of check results, guard outcomes,
    catalog titles and errors: ``key_zh``/``key`` in Chinese, ``key_en``/``key`` in English
    (``reason``/``reason_en``, ``title_zh``/``title_en``, ``message_zh``/``message`` …)."""
    lang = lang or current_lang()
    for name in (f"{key}_{lang}", key):
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value not in (None, ""):
            return value
    return ""


def error_text(exc: ApplicationError) -> str:
    return exc.message_zh if current_lang() == "zh" else exc.message


def license_name(license_id: str, lang: Lang | None = None) -> str:
    """The license's short name (ICP 许可证 / ICP license); the id if the catalog has no such license."""
    try:
        names = default_catalog().license(license_id).short_names
    except LookupError:
        return license_id
    return getattr(names, lang or current_lang())


def license_choices(lang: Lang | None = None) -> list[tuple[str, str]]:
    """Every catalog license, named in ``lang``; an English page names it in Chinese too, as the
    authority and the client know it (“ICP license（ICP 许可证）”)."""
    lang = lang or current_lang()
    return [
        (lic.id, lic.short_names.zh if lang == "zh" else f"{lic.short_names.en}（{lic.short_names.zh}）")
        for lic in default_catalog().licenses()
    ]


def stage_title(case: Any, lang: Lang | None = None) -> str:
    """The title of the case's stage in its own rule version (the stage id if the version lost it)."""
    try:
        stage = case_machine(case).stage(case.stage)
    except (WorkflowError, LookupError):
        return case.stage
    return getattr(stage.title, lang or current_lang())


def stage_title_of(case: Any, stage_id: str, lang: Lang | None = None) -> str:
    """The title of any stage of the case's workflow (the id if the version lost it)."""
    try:
        stage = case_machine(case).stage(stage_id)
    except (WorkflowError, LookupError):
        return stage_id
    return getattr(stage.title, lang or current_lang())


def stage_choices(license_id: str = "", lang: Lang | None = None) -> list[tuple[str, str]]:
    """Every stage of the license's rule versions (of every license if none is given), workflow order."""
    lang = lang or current_lang()
    seen: dict[str, str] = {}
    for lic in default_catalog().licenses():
        if license_id and lic.id != license_id:
            continue
        for version in reversed(lic.versions):
            flows = [version.workflow, *(t.workflow for t in version.case_types)]
            for stage in (stage for flow in flows for stage in flow.stages):
                seen.setdefault(stage.id, getattr(stage.title, lang))
    return list(seen.items())


@dataclass(frozen=True)
class Step:
    stage: str
    title: str
    state: Literal["done", "current", "todo", "skipped"]


def stage_steps(case: Any, lang: Lang | None = None, *, reached: Collection[str] | None = None) -> list[Step]:
    """The staff step indicator: the same line as the client's (:func:`steps_for`), titles in ``lang``.

    ``reached``: the stages the case went through (``selectors.case_stage_path``); with it, stages the
    case never reached are not ticked and a correction is shown only if it happened. Terminal stages are
    alternative ends: only one is shown, the case's own once it has reached one, else the goal.
    """
    lang = lang or current_lang()
    workflow = case_machine(case).workflow
    return [
        Step(
            step.stage,
            step.title_zh if lang == "zh" else step.title_en,
            "todo" if step.state == "next" else step.state,
        )
        for step in steps_for(workflow, case.stage, reached=reached)
    ]


def case_due_on(case: Any) -> date | None:
    """The nearest deadline of an open case: the stage's statutory due date or the agreed target date."""
    if getattr(case, "closed_at", None) is not None:
        return None
    dates = [d for d in (case.stage_due_on, case.target_date) if d is not None]
    return min(dates) if dates else None


@dataclass(frozen=True)
class ShownDue:
    """The due date a board card or a list row shows: ``kind`` "statutory" (the nearest running
    statutory clock, ``Case.stage_due_on``), "target" (the date agreed with the client) or "" (none)."""

    kind: str
    day: date | None


def shown_due(case: Any) -> ShownDue:
    """The statutory due date when a statutory clock runs, else the agreed target date; nothing for a
    closed case."""
    if getattr(case, "closed_at", None) is not None:
        return ShownDue("", None)
    if case.stage_due_on is not None:
        return ShownDue("statutory", case.stage_due_on)
    if case.target_date is not None:
        return ShownDue("target", case.target_date)
    return ShownDue("", None)


def is_overdue(due_on: date | None, today: date | None = None) -> bool:
    return due_on is not None and due_on < (today or timezone.localdate())


def is_due_soon(due_on: date | None, days: int, today: date | None = None) -> bool:
    """Not overdue, and due within ``days`` calendar days from today (today included)."""
    today = today or timezone.localdate()
    return due_on is not None and today <= due_on and (due_on - today).days <= days

"""What the staff screens show about a case beyond its fields: the text of the active language, stage
titles, the step indicator, due dates and the overdue mark, error texts.

Pure functions of objects already loaded (the catalog is in memory): nothing here queries the database,
so list pages stay at a fixed number of queries however many rows they show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import get_language

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.errors import ApplicationError, WorkflowError
from licensedesk.web.cases.selectors import case_machine

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
    return [
        (lic.id, getattr(lic.short_names, lang or current_lang())) for lic in default_catalog().licenses()
    ]


def stage_title(case: Any, lang: Lang | None = None) -> str:
    """The title of the case's stage in its own rule version (the stage id if the version lost it)."""
    try:
        stage = case_machine(case).stage(case.stage)
    except (WorkflowError, LookupError):
        return case.stage
    return getattr(stage.title, lang or current_lang())


def stage_choices(license_id: str = "", lang: Lang | None = None) -> list[tuple[str, str]]:
    """Every stage of the license's rule versions (of every license if none is given), workflow order."""
    lang = lang or current_lang()
    seen: dict[str, str] = {}
    for lic in default_catalog().licenses():
        if license_id and lic.id != license_id:
            continue
        for version in reversed(lic.versions):
            for stage in version.workflow.stages:
                seen.setdefault(stage.id, getattr(stage.title, lang))
    return list(seen.items())


@dataclass(frozen=True)
class Step:
    stage: str
    title: str
    state: Literal["done", "current", "todo"]


def stage_steps(case: Any, lang: Lang | None = None) -> list[Step]:
    """The step indicator: the workflow's stages in order up to the end the case is heading for.

    Terminal stages are alternative ends (licensed, rejected, withdrawn): only one is shown, the case's
    own once it has reached one, else the first the workflow declares (the normal outcome).
    """
    lang = lang or current_lang()
    machine = case_machine(case)
    stages = list(machine.workflow.stages)
    ends = [s for s in stages if s.terminal]
    end = next((s for s in ends if s.id == case.stage), ends[0] if ends else None)
    shown = [s for s in stages if not s.terminal or s is end]
    position = next((i for i, s in enumerate(shown) if s.id == case.stage), len(shown))
    return [
        Step(s.id, getattr(s.title, lang), "current" if i == position else "done" if i < position else "todo")
        for i, s in enumerate(shown)
    ]


def case_due_on(case: Any) -> date | None:
    """The nearest deadline of an open case: the stage's statutory due date or the agreed target date."""
    if getattr(case, "closed_at", None) is not None:
        return None
    dates = [d for d in (case.stage_due_on, case.target_date) if d is not None]
    return min(dates) if dates else None


def is_overdue(due_on: date | None, today: date | None = None) -> bool:
    return due_on is not None and due_on < (today or timezone.localdate())

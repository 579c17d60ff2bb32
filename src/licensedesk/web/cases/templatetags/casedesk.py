"""Template filters of the staff screens: the active language's text of bilingual data, labels of
verdicts, statuses and profile fields, stage titles, due dates. Thin wrappers over
:mod:`licensedesk.web.cases.display` and :mod:`licensedesk.core.labels`, so templates hold no rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from licensedesk.core import labels
from licensedesk.web.cases import display

register = template.Library()


@register.filter
def loc(item: Any, key: str) -> Any:
    """``{{ condition|loc:"reason" }}``: the text in the active language."""
    return display.localized(item, key)


@register.filter
def verdict_label(verdict: str) -> str:
    try:
        return labels.verdict_label(verdict, display.current_lang())
    except KeyError:
        return verdict


@register.filter
def status_label(status: str) -> str:
    try:
        return labels.status_label(status, display.current_lang())
    except KeyError:
        return status


@register.filter
def field_label(path: str) -> str:
    """``company.registered_capital_cny`` → 注册资本（元）."""
    return labels.field_label(path, display.current_lang())


@register.filter
def license_name(license_id: str) -> str:
    return display.license_name(license_id)


@register.filter
def stage_title(case: Any) -> str:
    return display.stage_title(case)


@register.filter
def case_type_title(case_type: str, license_id: str = "") -> str:
    """``{{ case.case_type|case_type_title:case.license_id }}``: 年报, 许可证续期 …"""
    from licensedesk.web.cases.case_types import case_type_title as title  # reads display

    return title(case_type, license_id)


@register.filter
def due_on(case: Any) -> date | None:
    return display.case_due_on(case)


@register.filter
def overdue(day: date | None) -> bool:
    return display.is_overdue(day)


@register.filter
def shown_due(case: Any) -> display.ShownDue:
    """What a card or a list row shows as the case's due date, with what kind of date it is."""
    return display.shown_due(case)


@register.filter
def due_soon(day: date | None, days: Any) -> bool:
    """Due today or within ``days`` calendar days (and not overdue): the board's and list's flag."""
    return display.is_due_soon(day, int(days))


@register.filter
def due_soon_clock(clock: Any, days: Any) -> bool:
    """A running clock due within ``days`` of its own unit (working or calendar days)."""
    return bool(clock.due_within(int(days)))


@register.filter
def absolute(value: Any) -> int:
    return abs(int(value))


@register.filter
def error_text(exc: Any) -> str:
    return display.error_text(exc)


@register.simple_tag
def portal_url() -> str:
    """The client portal's address, or "" while the portal is not installed."""
    try:
        return reverse("portal:home")
    except NoReverseMatch:
        return ""


NEW_CASE_DAYS = 7  # a card says 「新」 for a case opened within this many days


@register.filter
def is_new(case: Any) -> bool:
    """Whether the board flags ``case`` as new: opened within the last :data:`NEW_CASE_DAYS` days."""
    opened = getattr(case, "opened_on", None)
    return opened is not None and (timezone.localdate() - opened).days < NEW_CASE_DAYS


@register.filter
def shown_columns(columns: Any) -> list[Any]:
    """The board's columns: every stage of the workflow, the terminal ones only when they hold cases."""
    return [column for column in columns if not column.terminal or column.count]

"""Words for the register's codes (statuses, duty kinds, certainty), in the active language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from licensedesk.core.catalog.loader import LookupProblem, default_catalog
from licensedesk.core.labels import field_label
from licensedesk.web.cases.display import current_lang
from licensedesk.web.cases.models import LicenseStatus
from licensedesk.web.register.selectors import DUTY_CASE_TYPES, LicenseDuty


def status_label(status: str) -> str:
    return str(LicenseStatus(status).label) if status in LicenseStatus.values else status


def duty_title(duty: LicenseDuty) -> str:
    """What the duty is, with its period: 2026 年度报告 / Annual report for 2026, the renewal, or the
    change-filing rule's title."""
    if duty.kind == "annual_report":
        return _("Annual report for %(year)s") % {"year": duty.period}
    if duty.kind == "renewal":
        return _("Renewal application")
    if duty.title is not None:
        return getattr(duty.title, current_lang())
    return _("Change filing")


def duty_note(duty: LicenseDuty) -> str:
    return getattr(duty.note, current_lang()) if duty.note is not None else ""


def certainty_text(certainty: str) -> str:
    """The catalog's certainty mark in words; only the uncertain ones are worth a warning."""
    if certainty == "U":
        return _("Uncertain: not verified, confirm with the administration")
    if certainty == "W":
        return _("From agency practice, not from the legal text")
    return ""


def field_names(paths: list[str]) -> str:
    lang = current_lang()
    return (
        "、".join(field_label(p, lang) for p in paths)
        if lang == "zh"
        else ", ".join(field_label(p, lang) for p in paths)
    )


def duty_case_declared(license_id: str, kind: str, as_of: Any) -> bool:
    """The catalog has a case type for this duty of the license (the rule version in force today)."""
    try:
        version = default_catalog().version_on(license_id, as_of).version
    except LookupProblem:
        return False
    return version.case_type(DUTY_CASE_TYPES[kind]) is not None


def duty_state_label(duty: LicenseDuty) -> str:
    if duty.state == "done":
        return pgettext("duty state", "Done")
    if duty.state == "open":
        return _("In progress")
    if duty.case is not None:
        return _("Last case closed without result")
    return ""


def duty_rows(duties: list[LicenseDuty], *, as_of: Any) -> list[dict[str, Any]]:
    """What a duty table shows per row: besides the dates, the duty's case (open or done) or whether
    one can be started from here: the catalog declares a case type for it, and it is the next of its
    kind still to do (next year's annual report waits for this year's; each change filing is its own)."""
    first_todo: dict[str, LicenseDuty] = {}
    for d in duties:
        if d.state != "done" and (d.kind == "change_filing" or d.kind not in first_todo):
            first_todo.setdefault(d.kind if d.kind != "change_filing" else d.period, d)
    nexts = {id(d) for d in first_todo.values()}
    return [
        {
            "state": d.state,
            "state_label": duty_state_label(d),
            "startable": d.state == "todo"
            and id(d) in nexts
            and duty_case_declared(d.license.license_id, d.kind, as_of),
            "duty": d,
            "title": duty_title(d),
            "note": duty_note(d),
            "certainty": certainty_text(d.certainty),
            "overdue": d.overdue(as_of),
            "days_left": d.days_left(as_of),
            "open_now": d.opens is not None and d.opens <= as_of <= d.due and d.kind == "annual_report",
        }
        for d in duties
    ]


def duty_case_started_text(event: Any, names: Any, lang: str) -> tuple[str, str]:
    """The case timeline's words for a duty case started from the register."""
    after = event.after or {}
    kind, period = after.get("kind", ""), after.get("period", "")
    if kind == "annual_report":
        detail = _("Annual report for %(year)s") % {"year": period}
    elif kind == "renewal":
        detail = _("Renewal application")
    else:
        detail = _("Change filing")
    return _("Started from the license register"), detail

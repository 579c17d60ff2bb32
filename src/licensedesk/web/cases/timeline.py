"""The case timeline: audit events told as sentences in the active language.

The audit trail stores what happened as data (``case.transitioned`` with the stages before and after);
this module says it in words. Names the events refer to by id (stages, tasks, consultants) are looked
up in what the case page already loaded, so the timeline costs the one query of the events. An event
kind this module does not know (a newer module's) is still listed, by its action code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from licensedesk.core.errors import WorkflowError
from licensedesk.core.labels import verdict_label
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.display import Lang, current_lang, license_name
from licensedesk.web.cases.selectors import case_machine

GUARD_NAMES: Mapping[str, Callable[[], str]] = {
    "eligibility_eligible": lambda: _("eligibility"),
    "materials_accepted": lambda: _("materials accepted"),
    "license_record": lambda: _("license record"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    text: str
    detail: str  # a reason, a note's first words … ("" if none)
    action: str


@dataclass(frozen=True)
class Names:
    """What the case page already holds, to name the ids events refer to."""

    case: Any
    tasks: Mapping[int, str]  # task id → title
    users: Mapping[int, str]  # user id → display name


def _stage(names: Names, stage_id: Any, lang: Lang) -> str:
    try:
        return getattr(case_machine(names.case).stage(str(stage_id)).title, lang)
    except (WorkflowError, LookupError):  # a stage no version declares any more: show its id
        return str(stage_id)


def _user(names: Names, user_id: Any) -> str:
    if user_id is None:
        return _("nobody")
    return names.users.get(user_id, f"#{user_id}")


def _short(text: Any, limit: int = 120) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


Describer = Callable[[AuditEvent, Names, Lang], tuple[str, str]]
_DESCRIBERS: dict[str, Describer] = {}


def register_description(action: str, describe: Describer) -> None:
    """Let another app tell its own events on the case timeline (call it from ``AppConfig.ready()``):
    ``describe(event, names, lang)`` returns (sentence, detail) in the active language."""
    _DESCRIBERS[action] = describe


def describe(event: AuditEvent, names: Names, lang: Lang | None = None) -> tuple[str, str]:
    """(sentence, detail) for one event."""
    lang = lang or current_lang()
    before, after, data = event.before or {}, event.after or {}, event.data or {}
    action = event.action
    if action in _DESCRIBERS:
        return _DESCRIBERS[action](event, names, lang)
    if action == "case.created":
        return (
            _("Opened the case: %(license)s, rule version %(version)s")
            % {
                "license": license_name(str(after.get("license", "")), lang),
                "version": after.get("ruleset_version"),
            },
            "",
        )
    if action == "case.transitioned":
        text = _("Moved the case from %(source)s to %(target)s") % {
            "source": _stage(names, before.get("stage"), lang),
            "target": _stage(names, after.get("stage"), lang),
        }
        overridden = [g.get("guard", "") for g in data.get("guards", []) if g.get("overridden")]
        detail = str(data.get("reason") or "")
        if overridden:
            guards = ("、" if lang == "zh" else ", ").join(
                GUARD_NAMES[g]() if g in GUARD_NAMES else g for g in overridden
            )
            detail = " ".join(
                filter(None, [detail, _("(past an override of: %(guards)s)") % {"guards": guards}])
            )
        return text, detail
    if action == "case.check_run":
        return _("Ran the eligibility check: %(verdict)s") % {
            "verdict": verdict_label(str(after.get("verdict")), lang)
        }, ""
    if action == "case.guard_overridden":
        guard = str(data.get("guard", ""))
        return _("Overrode the %(guard)s requirement") % {
            "guard": GUARD_NAMES[guard]() if guard in GUARD_NAMES else guard
        }, _short(data.get("reason"))
    if action == "case.license_recorded":
        number = {"number": after.get("number", "")}
        verb = (
            _("Corrected the license record: %(number)s")
            if event.before
            else _("Recorded the license %(number)s")
        )
        return verb % number, _("valid %(start)s to %(end)s") % {
            "start": after.get("issued_on", ""),
            "end": after.get("expires_on", ""),
        }
    if action == "case.consultant_assigned":
        return _("Assigned the case to %(consultant)s") % {
            "consultant": _user(names, after.get("consultant"))
        }, ""
    if action == "case.target_date_set":
        return _("Set the target date to %(date)s") % {"date": after.get("target_date") or "—"}, ""
    if action == "note.created":
        shared = after.get("visibility") == "client"
        text = _("Added a note shared with the client") if shared else _("Added an internal note")
        return text, _short(after.get("body"))
    if action == "task.created":
        return _("Created the task “%(title)s”") % {"title": after.get("title", "")}, ""
    if action == "task.completed":
        title = names.tasks.get(int(event.object_id)) if event.object_id.isdigit() else None
        return _("Completed the task “%(title)s”") % {"title": title or f"#{event.object_id}"}, ""
    return _("Recorded %(action)s") % {"action": action}, ""


def case_timeline(events: Iterable[AuditEvent], names: Names) -> list[TimelineEntry]:
    """The events (newest first, as the audit selector reads them) as timeline entries."""
    lang = current_lang()
    entries = []
    for event in events:
        text, detail = describe(event, names, lang)
        actor = event.actor.display_name or event.actor_label if event.actor else event.actor_label
        entries.append(TimelineEntry(event.occurred_at, actor or _("system"), text, detail, event.action))
    return entries

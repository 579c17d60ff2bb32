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

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from licensedesk.core.errors import WorkflowError
from licensedesk.core.labels import verdict_label
from licensedesk.web.audit.actions import action_label
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


def _event_detail(names: Names, event: Any, lang: Lang) -> str:
    """The dated event a move recorded, in words: its title and date, then each reference field with
    its catalog label (``在线提交申请 2026-12-01 · 系统受理编号：…``)."""
    if not isinstance(event, dict):
        return ""
    try:
        moves = case_machine(names.case).all_moves()
    except (WorkflowError, LookupError):
        moves = []
    records = next((m.records for m in moves if m.records and m.records.event == event.get("kind")), None)
    if records is None:
        return str(event.get("occurred_on") or "")
    parts = [f"{getattr(records.title, lang)} {event.get('occurred_on', '')}"]
    reference = event.get("reference") or {}
    colon = "：" if lang == "zh" else ": "
    for field in records.fields:
        value = reference.get(field.id)
        if value:
            parts.append(f"{getattr(field.label, lang)}{colon}{_short(value)}")
    return " · ".join(parts)


Describer = Callable[[AuditEvent, Names, Lang], tuple[str, str]]
_DESCRIBERS: dict[str, Describer] = {}


def _case_type_text(after: dict[str, Any], lang: Lang) -> str:
    """A duty case's type on its opening (年报, 许可证续期 …); nothing for an application."""
    case_type = after.get("case_type")
    if not case_type:
        return ""
    from licensedesk.web.cases.case_types import case_type_title  # reads display, which reads us

    return case_type_title(str(case_type), str(after.get("license", "")), lang)


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
            _case_type_text(after, lang),
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
        event_text = _event_detail(names, data.get("event"), lang)
        separator = "；" if lang == "zh" else "; "
        return text, separator.join(filter(None, [event_text, detail]))
    if action == "case.move_undone":
        return _("Undid the move from %(source)s to %(target)s: the case is back at %(source)s") % {
            "source": _stage(names, after.get("stage"), lang),
            "target": _stage(names, before.get("stage"), lang),
        }, _short(data.get("reason"))
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
        if not after.get("expires_on"):  # an ICP filing: no fixed term
            return verb % number, _("valid from %(issued)s, no fixed term") % {
                "issued": after.get("issued_on", "")
            }
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
    return _("Recorded %(action)s") % {"action": action_label(action, lang)}, ""  # its name, if it has one


# -- kinds (the filter above the timeline) and grouped downloads ---------------------------------------

DOWNLOADS = frozenset(
    {"material.file_downloaded", "documents.file_downloaded", "documents.bundle_downloaded"}
)
_MOVES = (
    "case.created",
    "case.transitioned",
    "case.move_undone",
    "case.license_recorded",
    "case.guard_overridden",
)
# kind → (actions, action prefixes); "all" is no filter
TIMELINE_KINDS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "moves": (_MOVES, ()),
    "materials": ((), ("material.",)),
    "documents": ((), ("documents.",)),
    "notes": (("note.created",), ()),
}


def timeline_kinds() -> list[tuple[str, str]]:
    """The filter's choices, in the order shown: (kind, label)."""
    return [
        ("all", pgettext("timeline filter", "All")),
        ("moves", pgettext("timeline filter", "Stage moves")),
        ("materials", pgettext("timeline filter", "Materials")),
        ("documents", pgettext("timeline filter", "Documents")),
        ("notes", pgettext("timeline filter", "Notes")),
    ]


def timeline_kind(value: str | None) -> str:
    """The kind asked for in the query string, ``all`` for anything else."""
    return value if value in TIMELINE_KINDS else "all"


def timeline_filter(kind: str) -> Q | None:
    """The audit events of ``kind`` (applied in the one query the timeline costs), None for all."""
    if kind not in TIMELINE_KINDS:
        return None
    actions, prefixes = TIMELINE_KINDS[kind]
    condition = Q(action__in=actions) if actions else Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(action__startswith=prefix)
    return condition


def in_kind(kind: str, action: str) -> bool:
    """Whether an event of ``action`` is shown under the filter ``kind`` (as :func:`timeline_filter`)."""
    if kind not in TIMELINE_KINDS:
        return True
    actions, prefixes = TIMELINE_KINDS[kind]
    return action in actions or action.startswith(prefixes)


def page_events_filter(kind: str) -> Q | None:
    """What the case page reads in its one audit query: the filtered kind, and the stage moves always
    (the authority's dated events come from them, whatever the timeline shows)."""
    only = timeline_filter(kind)
    return None if only is None else only | Q(action__in=_MOVES)


def authority_events(events: Iterable[AuditEvent], names: Names) -> list[str]:
    """The dated events with the authority that stand (an undone move's event is taken off), oldest
    first, in words: 「在线提交申请 2026-12-01 · 系统受理编号：…」."""
    lang = current_lang()
    standing: dict[int, str] = {}
    for event in sorted(events, key=lambda e: (e.occurred_at, e.pk)):
        data = event.data or {}
        if event.action == "case.transitioned" and isinstance(data.get("event"), dict):
            standing[event.pk] = _event_detail(names, data["event"], lang)
        elif event.action == "case.move_undone":
            standing.pop(data.get("undoes"), None)  # type: ignore[arg-type]
    return [text for text in standing.values() if text]


def case_timeline(events: Iterable[AuditEvent], names: Names) -> list[TimelineEntry]:
    """The events (newest first, as the audit selector reads them) as timeline entries. Consecutive
    downloads by one person become one line (「下载了 5 个文件」, what was downloaded below it): a
    reviewer opening seventeen files otherwise pushed every stage move off the first screen."""
    lang = current_lang()
    entries: list[TimelineEntry] = []
    run: list[tuple[AuditEvent, str, str]] = []  # the downloads being grouped: (event, actor, text)

    def close_run() -> None:
        if not run:
            return
        first, actor, text = run[0]
        if len(run) == 1:
            entries.append(TimelineEntry(first.occurred_at, actor, text, "", first.action))
        else:
            count = len(run)
            summary = ngettext("Downloaded %(count)d file", "Downloaded %(count)d files", count) % {
                "count": count
            }
            listed = _short(("；" if lang == "zh" else "; ").join(dict.fromkeys(t for _e, _a, t in run)), 240)
            entries.append(TimelineEntry(first.occurred_at, actor, summary, listed, "downloads"))
        run.clear()

    for event in events:
        text, detail = describe(event, names, lang)
        actor = event.actor.display_name or event.actor_label if event.actor else event.actor_label
        actor = actor or _("system")
        if event.action in DOWNLOADS and not detail:
            if run and run[0][1] != actor:
                close_run()
            run.append((event, actor, text))
            continue
        close_run()
        entries.append(TimelineEntry(event.occurred_at, actor, text, detail, event.action))
    close_run()
    return entries

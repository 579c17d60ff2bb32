"""The stage machine of a license's workflow, as plain Python (no Django, no database).

A license definition declares its stages, the moves between them and the guards each move needs
(``licensedesk.core.catalog.models.Workflow``); this module answers, for any license and rule version,
which moves exist and which guards they need. It knows nothing about any particular license: a new
license brings its own stages and transitions as data.

A workflow with ``withdrawable: true`` may move from any non-terminal stage to :data:`WITHDRAWN`
(the catalog loader already requires that stage to exist in such a workflow).

Time limits of the rule version that start at a stage give that stage a due date
(:meth:`StageMachine.stage_due_on`), with Chinese working days from :mod:`licensedesk.core.deadlines`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from licensedesk.core.catalog.loader import Catalog, default_catalog
from licensedesk.core.catalog.models import Records, RuleVersion, Stage, TimeLimit, Workflow
from licensedesk.core.deadlines import add_period
from licensedesk.core.errors import InvalidInput, WorkflowError

WITHDRAWN = "withdrawn"
#: the case type of a first application; the others are declared per rule version (``case_types``)
APPLICATION = "application"


@dataclass(frozen=True)
class Move:
    """One allowed move: ``source`` → ``to``, needing every guard in ``guards``."""

    source: str
    to: str
    guards: tuple[str, ...] = ()
    withdrawal: bool = False
    records: Records | None = None  # the dated event with the authority this move records
    terminal: bool = False  # the move ends the case: it needs a confirmation


class StageMachine:
    """The moves of one workflow."""

    def __init__(self, workflow: Workflow, time_limits: tuple[TimeLimit, ...] = ()) -> None:
        self.workflow = workflow
        self.initial = workflow.initial
        self.stages: dict[str, Stage] = {stage.id: stage for stage in workflow.stages}
        self._time_limits = time_limits
        moves: dict[tuple[str, str], Move] = {}
        for transition in workflow.transitions:
            terminal = transition.to in self.stages and self.stages[transition.to].terminal
            moves[(transition.source, transition.to)] = Move(
                transition.source,
                transition.to,
                transition.guards,
                records=transition.records,
                terminal=terminal,
            )
        if workflow.withdrawable and WITHDRAWN in self.stages:
            for stage in workflow.stages:
                if not stage.terminal and stage.id != WITHDRAWN and (stage.id, WITHDRAWN) not in moves:
                    moves[(stage.id, WITHDRAWN)] = Move(
                        stage.id, WITHDRAWN, (), withdrawal=True, terminal=True
                    )
        self._moves = moves

    @classmethod
    def for_version(cls, version: RuleVersion, case_type: str = APPLICATION) -> StageMachine:
        """The machine of the application (``case_type`` ``application``) or of one of the version's
        case types (annual report, change, renewal: their own stages; no statutory clocks)."""
        if case_type == APPLICATION:
            return cls(version.workflow, version.time_limits)
        declared = version.case_type(case_type)
        if declared is None:
            known = [APPLICATION, *(t.id for t in version.case_types)]
            raise WorkflowError(
                f"Rule version {version.id} has no case type {case_type!r}; known: {', '.join(known)}.",
                code="workflow.unknown_case_type",
                message_zh=f"该规则版本没有“{case_type}”类案件。",
                details={"case_type": case_type, "case_types": known},
            )
        return cls(declared.workflow)

    def is_granted(self, stage_id: str) -> bool:
        """The case has achieved what it was opened for at ``stage_id`` (the workflow's
        ``granted_at``: the license granted, the filing made, the annual report submitted)."""
        return stage_id in self.workflow.granted_at

    # -- questions ---------------------------------------------------------------------------------

    def stage(self, stage_id: str) -> Stage:
        try:
            return self.stages[stage_id]
        except KeyError:
            raise WorkflowError(
                f"Unknown stage {stage_id!r}; this workflow has: {', '.join(self.stages)}.",
                code="workflow.unknown_stage",
                message_zh=f"未知的阶段 {stage_id!r}。",
                details={"stage": stage_id, "stages": list(self.stages)},
            ) from None

    def is_terminal(self, stage_id: str) -> bool:
        return self.stage(stage_id).terminal

    def moves_from(self, stage_id: str) -> list[Move]:
        """Every move out of ``stage_id``, in the order the license declares them (withdrawal last)."""
        self.stage(stage_id)
        return [move for (source, _), move in self._moves.items() if source == stage_id]

    def move(self, source: str, to: str) -> Move:
        """The move ``source`` → ``to``, or :class:`WorkflowError` saying why there is none."""
        here, there = self.stage(source), self.stage(to)
        if here.terminal:
            raise WorkflowError(
                f"The case is closed ({here.title.en}); it cannot move any more.",
                code="workflow.terminal_stage",
                message_zh=f"案件已结束（{here.title.zh}），不能再变更阶段。",
                details={"from": source, "to": to},
            )
        found = self._moves.get((source, to))
        if found is None:
            allowed = [m.to for m in self.moves_from(source)]
            raise WorkflowError(
                f"A case cannot move from {here.title.en} to {there.title.en}; "
                f"allowed next stages: {', '.join(allowed) or 'none'}.",
                code="workflow.transition_not_allowed",
                message_zh=f"案件不能从“{here.title.zh}”变更为“{there.title.zh}”。",
                details={"from": source, "to": to, "allowed": allowed},
            )
        return found

    def all_moves(self) -> list[Move]:
        return list(self._moves.values())

    def guards_used(self) -> set[str]:
        return {guard for move in self._moves.values() for guard in move.guards}

    def stage_due_on(self, stage_id: str, entered_on: date) -> date | None:
        """The earliest deadline among the time limits that start when a case enters ``stage_id``."""
        dates = [
            add_period(entered_on, limit.amount, limit.unit)
            for limit in self._time_limits
            if limit.starts_at_stage == stage_id and limit.amount is not None
        ]
        return min(dates) if dates else None


EVENT_TEXT_MAX = 200
EVENT_LONG_TEXT_MAX = 2000


@dataclass(frozen=True)
class PreviousEvent:
    """The latest dated event of a case (a new one may not be dated before it)."""

    occurred_on: date
    title_zh: str
    title_en: str


def check_event(
    records: Records,
    *,
    occurred_on: date,
    reference: dict[str, Any] | None,
    today: date,
    previous: PreviousEvent | None = None,
) -> dict[str, str]:
    """Validate what a move records against its catalog declaration; return the reference to store
    (every declared field, stripped; date fields as ISO dates).

    The event happened on ``occurred_on``: not after ``today`` (the authority cannot have acted
    tomorrow) and not before the previous event of the case (the order of events is the order the
    statutory clocks count in). Every problem is raised at once as ``InvalidInput`` whose
    ``details["fields"]`` maps the field (``occurred_on`` or a reference field id) to its message.
    """
    zh: dict[str, str] = {}
    en: dict[str, str] = {}
    label = records.date_label
    if occurred_on > today:
        zh["occurred_on"] = f"{label.zh}（{occurred_on}）不能晚于今天（{today}）。"
        en["occurred_on"] = f"The {label.en.lower()} ({occurred_on}) cannot be after today ({today})."
    elif previous is not None and occurred_on < previous.occurred_on:
        zh["occurred_on"] = (
            f"{label.zh}（{occurred_on}）不能早于上一事件“{previous.title_zh}”的日期（{previous.occurred_on}）。"
        )
        en["occurred_on"] = (
            f"The {label.en.lower()} ({occurred_on}) cannot be before the previous event, "
            f"{previous.title_en} ({previous.occurred_on})."
        )
    given = {str(k): v for k, v in (reference or {}).items()}
    declared = {field.id for field in records.fields}
    for unknown in sorted(set(given) - declared):
        zh[unknown] = f"此事件没有“{unknown}”一项。"
        en[unknown] = f"This event has no field {unknown!r}."
    cleaned: dict[str, str] = {}
    for field in records.fields:
        raw = given.get(field.id)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if field.required:
                zh[field.id] = f"请填写{field.label.zh}。"
                en[field.id] = f"Enter the {field.label.en[0].lower()}{field.label.en[1:]}."
            cleaned[field.id] = ""
            continue
        if field.kind == "date":
            try:
                day = raw if isinstance(raw, date) else date.fromisoformat(value)
            except ValueError:
                zh[field.id] = f"{field.label.zh}须为日期（年-月-日）。"
                en[field.id] = f"{field.label.en} must be a date (YYYY-MM-DD)."
                continue
            if day < occurred_on:
                zh[field.id] = f"{field.label.zh}（{day}）不能早于{label.zh}（{occurred_on}）。"
                en[field.id] = (
                    f"{field.label.en} ({day}) cannot be before the {label.en.lower()} ({occurred_on})."
                )
                continue
            value = day.isoformat()
        limit = EVENT_LONG_TEXT_MAX if field.kind == "textarea" else EVENT_TEXT_MAX
        if len(value) > limit:
            zh[field.id] = f"{field.label.zh}最多 {limit} 个字。"
            en[field.id] = f"{field.label.en}: at most {limit} characters."
            continue
        cleaned[field.id] = value
    if zh:
        raise InvalidInput(
            " ".join(en.values()),
            code="event.invalid",
            message_zh="".join(zh.values()),
            details={"fields": zh, "fields_en": en, "event": records.event},
        )
    return cleaned


@cache
def _machine(catalog_id: int, license_id: str, version_id: str, case_type: str) -> StageMachine:
    catalog = _catalogs[catalog_id]
    return StageMachine.for_version(catalog.version(license_id, version_id).version, case_type)


_catalogs: dict[int, Catalog] = {}


def machine_for(
    license_id: str, version_id: str, case_type: str = APPLICATION, catalog: Catalog | None = None
) -> StageMachine:
    """The (cached) stage machine of one case type (``application`` by default) of one rule version of
    one license."""
    catalog = catalog or default_catalog()
    _catalogs.setdefault(id(catalog), catalog)
    return _machine(id(catalog), license_id, version_id, case_type)

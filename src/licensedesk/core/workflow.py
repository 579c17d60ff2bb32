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

from licensedesk.core.catalog.loader import Catalog, default_catalog
from licensedesk.core.catalog.models import RuleVersion, Stage, TimeLimit, Workflow
from licensedesk.core.deadlines import add_period
from licensedesk.core.errors import WorkflowError

WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Move:
    """One allowed move: ``source`` → ``to``, needing every guard in ``guards``."""

    source: str
    to: str
    guards: tuple[str, ...] = ()
    withdrawal: bool = False


class StageMachine:
    """The moves of one workflow."""

    def __init__(self, workflow: Workflow, time_limits: tuple[TimeLimit, ...] = ()) -> None:
        self.workflow = workflow
        self.initial = workflow.initial
        self.stages: dict[str, Stage] = {stage.id: stage for stage in workflow.stages}
        self._time_limits = time_limits
        moves: dict[tuple[str, str], Move] = {}
        for transition in workflow.transitions:
            moves[(transition.source, transition.to)] = Move(
                transition.source, transition.to, transition.guards
            )
        if workflow.withdrawable and WITHDRAWN in self.stages:
            for stage in workflow.stages:
                if not stage.terminal and stage.id != WITHDRAWN and (stage.id, WITHDRAWN) not in moves:
                    moves[(stage.id, WITHDRAWN)] = Move(stage.id, WITHDRAWN, (), withdrawal=True)
        self._moves = moves

    @classmethod
    def for_version(cls, version: RuleVersion) -> StageMachine:
        return cls(version.workflow, version.time_limits)

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

    def guards_used(self) -> set[str]:
        return {guard for move in self._moves.values() for guard in move.guards}

    def stage_due_on(self, stage_id: str, entered_on: date) -> date | None:
        """The earliest deadline among the time limits that start when a case enters ``stage_id``."""
        dates = [
            add_period(entered_on, limit.amount, limit.unit)
            for limit in self._time_limits
            if limit.starts_at_stage == stage_id
        ]
        return min(dates) if dates else None


@cache
def _machine(catalog_id: int, license_id: str, version_id: str) -> StageMachine:
    catalog = _catalogs[catalog_id]
    return StageMachine.for_version(catalog.version(license_id, version_id).version)


_catalogs: dict[int, Catalog] = {}


def machine_for(license_id: str, version_id: str, catalog: Catalog | None = None) -> StageMachine:
    """The (cached) stage machine of one rule version of one license."""
    catalog = catalog or default_catalog()
    _catalogs.setdefault(id(catalog), catalog)
    return _machine(id(catalog), license_id, version_id)

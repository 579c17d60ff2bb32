"""The client's step indicator, from a license's workflow as the catalog declares it (no Django).

A workflow is a graph, a step indicator a line. The line is the workflow's stages in declared order,
without the stages a client would only find confusing as fixed steps:

* *detours* — a stage entered only from the stages it leads back to, and leading nowhere else (the
  authority asks for corrections, the case returns to review): shown only if the case went through it;
* terminal stages but the goal — the goal is the first terminal stage declared (for ICP: licensed);
  a case that ended elsewhere (rejected, withdrawn) shows that end in its place, and the steps it never
  reached as ``skipped``.

Which stage is which is read from the workflow, never from a stage id, so another license brings its own
line with its data.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Literal

from licensedesk.core.catalog.models import RuleVersion, Stage, Workflow

StepState = Literal["done", "current", "next", "skipped"]


@dataclass(frozen=True)
class Step:
    stage: str
    title_zh: str
    title_en: str
    actor: str
    state: StepState


@cache
def detours(workflow: Workflow) -> frozenset[str]:
    """Stages whose ways in and ways out are the same stages (a side loop off the main line)."""
    ins: dict[str, set[str]] = {}
    outs: dict[str, set[str]] = {}
    for transition in workflow.transitions:
        ins.setdefault(transition.to, set()).add(transition.source)
        outs.setdefault(transition.source, set()).add(transition.to)
    return frozenset(
        stage.id
        for stage in workflow.stages
        if not stage.terminal
        and stage.id != workflow.initial
        and ins.get(stage.id)
        and ins[stage.id] == outs.get(stage.id, set())
    )


def goal(workflow: Workflow) -> str | None:
    """The stage a case is meant to end in: the first terminal stage declared."""
    return next((s.id for s in workflow.stages if s.terminal), None)


def ended_elsewhere(workflow: Workflow, current: str) -> bool:
    stage = next(s for s in workflow.stages if s.id == current)
    return stage.terminal and current != goal(workflow)


def steps_for(workflow: Workflow, current: str, *, reached: Collection[str] | None = None) -> list[Step]:
    """The line of steps for a case at ``current`` — the one function both steppers draw (the staff
    case page through :func:`licensedesk.web.cases.display.stage_steps`, the portal directly).

    ``reached`` is the path the case took (the stages it has been in, moves undone left out, from
    :func:`licensedesk.web.cases.selectors.stage_paths`). With it, the line tells what happened: a step
    the case never reached is ``skipped``, not ticked (a case withdrawn during qualification); a detour
    (a correction) is shown, ticked, only if the case went through it. Without it (no history known,
    e.g. a case loaded without its trail) steps before ``current`` count as done.
    """
    stages: dict[str, Stage] = {s.id: s for s in workflow.stages}
    if current not in stages:
        raise KeyError(current)
    known = set(reached) if reached else None
    elsewhere = ended_elsewhere(workflow, current)
    side = detours(workflow)
    target = goal(workflow)
    shown = [
        stage
        for stage in workflow.stages
        if stage.id == current
        or (stage.terminal and stage.id == target and not elsewhere)
        or (not stage.terminal and (stage.id not in side or (known is not None and stage.id in known)))
    ]
    # a trail that starts later than the workflow's start (a case imported mid-way): what came before
    # its first recorded stage is taken as done
    first = next((i for i, stage in enumerate(shown) if known is not None and stage.id in known), 0)
    steps = []
    before = True
    for index, stage in enumerate(shown):
        if stage.id == current:
            steps.append(Step(stage.id, stage.title.zh, stage.title.en, stage.actor, "current"))
            before = False
            continue
        state: StepState
        if known is None or index < first:
            state = "done" if before else "next"
        elif stage.id in known and (before or stage.id in side):
            state = "done"
        elif before and stage.id != workflow.initial:
            state = "skipped"
        else:
            state = "done" if before else "next"
        steps.append(Step(stage.id, stage.title.zh, stage.title.en, stage.actor, state))
    return steps


def phase_title(version: RuleVersion, stage_id: str) -> tuple[str, str] | None:
    """The title of the process phase a stage belongs to — what happens in it, in plain words."""
    stage = next((s for s in version.workflow.stages if s.id == stage_id), None)
    if stage is None:
        return None
    for phase in version.process:
        if phase.id == stage.phase:
            return phase.title.zh, phase.title.en
    return None

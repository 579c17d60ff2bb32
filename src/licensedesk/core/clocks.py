"""The statutory clocks of a case, from its license's time limits and its dated events (no Django).

A clock is a catalog time limit (:class:`licensedesk.core.catalog.models.TimeLimit`) running on one case.
Which events start, meet, stop and restart it is catalog data (``from_event``, ``met_by``,
``stopped_by``, ``restarted_by``, ``met_at_stages``), so a new license brings its own clocks; this
module only walks the events in the order they happened:

- a clock **starts** with its ``from_event`` and its due date is the period counted from the day after
  that event (民法典 第二百零一条), in working days (行政许可法 第八十二条: 期限以工作日计算，不含法定节假日)
  or calendar days with a last day falling on a rest day moved to the next working day (民法典
  第二百零三条), by :mod:`licensedesk.core.deadlines`;
- it is **met** by one of ``met_by`` (the acceptance notice meets the acceptance clock, a decision the
  decision clock) or while the case is in one of ``met_at_stages`` (the certificate: recorded as a
  license, not as an event);
- it is **stopped** by one of ``stopped_by`` and **counts anew** from one of ``restarted_by``:
  行政许可法 第三十二条 — an incomplete application is answered with one notice listing everything to
  correct, and the acceptance period runs again from receipt of the complete materials (the
  resubmission);
- a ``from_event`` after the clock was met starts a new round (a second correction request starts a new
  correction clock);
- where the statute and the administrations' practice count from different events (ICP decision: 60
  days from receipt under 电信条例 第十四条; in practice from the acceptance notice), both clocks are
  kept: the statutory one first, the practice one labelled ``statutory=False``;
- a clock whose due date the authority sets in the notice itself (``due_field``: the correction's due
  date) takes that date; days left are then calendar days.

A closed case (withdrawn, refused) stops every clock still running: nobody owes anything any more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from licensedesk.core.catalog.models import License, RuleVersion, Text, TimeLimit
from licensedesk.core.deadlines import WorkCalendar, default_calendar
from licensedesk.core.eligibility import citation_text

RUNNING = "running"
STOPPED = "stopped"
MET = "met"
STATES = (RUNNING, STOPPED, MET)


class LicenseVersion(Protocol):
    """What :func:`case_clocks` reads of a license: its legal bases (to cite) and the rule version the
    case follows (its time limits). A compiled catalog version is one."""

    license: License
    version: RuleVersion


@dataclass(frozen=True)
class ClockEvent:
    """A dated event of a case as the clocks read it: its kind (an event id a catalog transition
    ``records``), the day it happened, and the reference fields recorded with it (ISO dates as text)."""

    kind: str
    occurred_on: date
    reference: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseClock:
    """One clock of a case: what is due (``name_zh``/``name_en``), by when (``due``), how many days are
    left as the law counts them (``unit``: working or calendar days; negative when overdue), whether the
    date depends on a year with no published holiday arrangement (``approximate``), its ``state``
    (running, stopped, met), whether it is the statute's clock or the administrations' practice
    (``statutory``), its legal basis (``citations``, as text) and how certain the sources are
    (``certainty``, the catalog's marks: L, S, W, U)."""

    limit_id: str
    name_zh: str
    name_en: str
    due: date
    unit: str
    days_left: int
    overdue: bool
    approximate: bool
    state: str
    statutory: bool
    citations: tuple[str, ...]
    certainty: str
    #: who owes it: the authority (acceptance, decision, certificate) or the client (correction)
    actor: str = "authority"
    started_on: date | None = None
    from_event: str = ""
    duty_zh: str = ""
    duty_en: str = ""
    #: the calendar-or-working-days question is not settled in the sources (catalog ``unit_certainty``)
    unit_uncertain: bool = False
    #: the day the clock was met or stopped (None while it runs)
    ended_on: date | None = None
    #: what the clock counts from, in words (the recorded event's title), and for a practice clock what
    #: the statute counts from
    from_title_zh: str = ""
    from_title_en: str = ""
    statute_from_title_zh: str = ""
    statute_from_title_en: str = ""

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    def due_within(self, days: int) -> bool:
        """Running, not overdue, and due within ``days`` (as the law counts this clock's days)."""
        return self.state == RUNNING and not self.overdue and self.days_left <= days


@dataclass(frozen=True)
class _Run:
    """Where a clock stands after the events: started by ``start`` (None: never started)."""

    start: ClockEvent | None
    state: str
    ended_on: date | None


def _walk(limit: TimeLimit, start_kind: str, events: Iterable[ClockEvent], stage: str | None) -> _Run:
    start: ClockEvent | None = None
    state = ""
    ended: date | None = None
    for event in events:
        kind = event.kind
        if kind == start_kind and state in ("", MET, STOPPED):
            start, state, ended = event, RUNNING, None
        elif state == RUNNING and kind in limit.met_by:
            state, ended = MET, event.occurred_on
        elif state == RUNNING and kind in limit.stopped_by:
            state, ended = STOPPED, event.occurred_on
        elif state == STOPPED and kind in limit.restarted_by:
            start, state, ended = event, RUNNING, None
    if state == RUNNING and stage is not None and stage in limit.met_at_stages:
        state = MET
    return _Run(start, state or "", ended)


def _due(limit: TimeLimit, start: ClockEvent, calendar: WorkCalendar) -> tuple[date, bool] | None:
    if limit.due_field is not None:
        raw = (start.reference or {}).get(limit.due_field)
        if not raw:
            return None
        day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        return day, False
    assert limit.amount is not None  # the catalog model requires amount or due_field  # nosec
    found = calendar.deadline(start.occurred_on, limit.amount, limit.unit)
    return found.due, found.approximate


def _title(titles: Mapping[str, Text], event: str, lang: str) -> str:
    found = titles.get(event)
    return event if found is None else getattr(found, lang)


def case_clocks(
    license: LicenseVersion,
    events: Iterable[ClockEvent],
    *,
    today: date,
    calendar: WorkCalendar | None = None,
    stage: str | None = None,
    closed: bool = False,
) -> list[CaseClock]:
    """Every clock the case's events have started, in the catalog's order, each statutory clock before
    its practice twin. ``events``: the events that stand (undone moves left out), in the order they
    happened. ``stage``: the case's stage (for ``met_at_stages``); ``closed``: the case has ended, so a
    clock still running is stopped."""
    calendar = calendar or default_calendar()
    ordered = sorted(events, key=lambda e: e.occurred_on)  # stable: same-day events keep their order
    lic, version = license.license, license.version
    titles = {t.records.event: t.records.title for t in version.workflow.transitions if t.records is not None}
    out: list[CaseClock] = []
    for limit in version.time_limits:
        variants = [(limit.from_event, True)]
        if limit.practice_from_event:
            variants.append((limit.practice_from_event, False))
        for start_kind, statutory in variants:
            run = _walk(limit, start_kind, ordered, stage)
            if run.start is None:
                continue
            found = _due(limit, run.start, calendar)
            if found is None:
                continue
            due, approximate = found
            state = STOPPED if closed and run.state == RUNNING else run.state
            ended = run.ended_on
            unit = limit.unit
            days_left = calendar.days_left(today, due, unit) if state == RUNNING else 0
            title = limit.title or limit.duty
            name_zh, name_en = title.zh, title.en
            certainty = limit.certainty
            if not statutory:
                name_zh, name_en = f"{name_zh}（实务）", f"{name_en} (practice)"
                certainty = limit.practice_certainty or certainty
            out.append(
                CaseClock(
                    limit_id=limit.id,
                    name_zh=name_zh,
                    name_en=name_en,
                    due=due,
                    unit=unit,
                    days_left=days_left,
                    overdue=state == RUNNING and today > due,
                    approximate=approximate,
                    state=state,
                    statutory=statutory,
                    citations=tuple(citation_text(lic, (cite,)) for cite in limit.citations),
                    certainty=certainty,
                    actor=limit.actor,
                    started_on=run.start.occurred_on,
                    from_event=start_kind,
                    duty_zh=limit.duty.zh,
                    duty_en=limit.duty.en,
                    unit_uncertain=limit.unit_certainty == "U",
                    ended_on=ended,
                    from_title_zh=_title(titles, start_kind, "zh"),
                    from_title_en=_title(titles, start_kind, "en"),
                    statute_from_title_zh="" if statutory else _title(titles, limit.from_event, "zh"),
                    statute_from_title_en="" if statutory else _title(titles, limit.from_event, "en"),
                )
            )
    return out


def running(clocks: Iterable[CaseClock]) -> list[CaseClock]:
    """The clocks still running, statutory ones first, then by due date."""
    return sorted((c for c in clocks if c.running), key=lambda c: (not c.statutory, c.due))


def nearest_due(clocks: Iterable[CaseClock]) -> date | None:
    """The earliest due date among the running statutory clocks (what the case list sorts on)."""
    dates = [c.due for c in clocks if c.running and c.statutory]
    return min(dates) if dates else None


__all__ = [
    "MET",
    "RUNNING",
    "STATES",
    "STOPPED",
    "CaseClock",
    "ClockEvent",
    "LicenseVersion",
    "case_clocks",
    "nearest_due",
    "running",
]

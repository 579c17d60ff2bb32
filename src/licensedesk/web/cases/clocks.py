"""The statutory clocks of cases, read from their dated events (see :mod:`licensedesk.core.clocks`).

Reads only: the case page's clock panel, the board and list flags and the reminders (another app) call
these. Every query is scoped by the case or the agency it is given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from licensedesk.core.catalog.loader import LookupProblem, default_catalog
from licensedesk.core.clocks import CaseClock, ClockEvent, case_clocks, nearest_due
from licensedesk.core.deadlines import default_calendar
from licensedesk.web.accounts.models import Agency, StageTarget
from licensedesk.web.cases.models import Case, CaseEvent
from licensedesk.web.cases.selectors import UNDO_KIND, stage_titles


def _standing_events(case_ids: Iterable[int]) -> dict[int, list[ClockEvent]]:
    """The events that stand (no undo rows, no moves undone since) of each case, in order: one query."""
    out: dict[int, list[ClockEvent]] = defaultdict(list)
    rows = (
        CaseEvent.objects.filter(case_id__in=list(case_ids), undone_by__isnull=True)
        .exclude(kind=UNDO_KIND)
        .order_by("case_id", "occurred_on", "recorded_at", "pk")
        .values_list("case_id", "kind", "occurred_on", "reference")
    )
    for case_id, kind, occurred_on, reference in rows:
        ref = {str(k): str(v) for k, v in (reference or {}).items() if v not in (None, "")}
        out[case_id].append(ClockEvent(kind, occurred_on, ref))
    return out


def _clocks(case: Case, events: list[ClockEvent], today: date) -> list[CaseClock]:
    if not events:
        return []
    try:
        compiled = default_catalog().version(case.license_id, case.ruleset_version)
    except LookupProblem:
        return []  # a rule version the catalog no longer holds: no clock can be stated truthfully
    return case_clocks(compiled, events, today=today, stage=case.stage, closed=case.closed_at is not None)


def clocks_for_case(*, case: Case, today: date) -> list[CaseClock]:
    """Every clock the case's events started (running, stopped or met), statutory before practice."""
    return _clocks(case, _standing_events([case.pk]).get(case.pk, []), today)


def clocks_for_cases(cases: Iterable[Case], *, today: date) -> dict[int, list[CaseClock]]:
    """The clocks of several cases already read (a page of the list, the board's cards): one query."""
    cases = list(cases)
    events = _standing_events(c.pk for c in cases) if cases else {}
    return {c.pk: _clocks(c, events.get(c.pk, []), today) for c in cases}


def open_clocks_for_agency(*, agency, today: date) -> list[tuple[Case, CaseClock]]:
    """The running clocks of the agency's open cases, nearest due first, each with its case (company
    and consultant read with it): two queries, whatever the number of cases."""
    cases = list(
        Case.objects.filter(agency=agency, closed_at__isnull=True, events__isnull=False)
        .select_related("company", "consultant")
        .distinct()
        .order_by("pk")
    )
    pairs = [
        (case, clock)
        for case, clocks in zip(cases, clocks_for_cases(cases, today=today).values(), strict=True)
        for clock in clocks
        if clock.running
    ]
    return sorted(pairs, key=lambda pair: (pair[1].due, not pair[1].statutory, pair[0].pk))


def case_due_on(case: Case, *, today: date) -> date | None:
    """The earliest due date of the case's running statutory clocks: what ``Case.stage_due_on`` stores
    so the list sorts on it in the database (None when no statutory clock runs)."""
    return nearest_due(clocks_for_case(case=case, today=today))


@dataclass(frozen=True)
class AgencyTarget:
    """The agency's own target for the stage the case is in (not law): due ``amount`` days (``unit``)
    after the day the case entered the stage, counted as the statutory periods are (core/deadlines.py)
    so that the two read alike."""

    stage_title_zh: str
    stage_title_en: str
    amount: int
    unit: str
    due: date
    days_left: int
    overdue: bool
    approximate: bool


def agency_target_for_case(*, case: Case, today: date) -> tuple[AgencyTarget | None, int]:
    """The target the case's agency set itself for the case's stage (None if none, or the case is
    closed) and the agency's due-soon window (see ``Agency.due_soon_days``): one query for both."""
    target = StageTarget.objects.filter(
        agency_id=OuterRef("pk"), license_id=case.license_id, stage=case.stage
    ).order_by()
    row = (
        Agency.objects.filter(pk=case.agency_id)
        .annotate(
            target_amount=Subquery(target.values("amount")[:1]),
            target_unit=Subquery(target.values("unit")[:1]),
        )
        .values_list("due_soon_days", "target_amount", "target_unit")
        .first()
    )
    if row is None:
        return None, DEFAULT_DUE_SOON_DAYS
    due_soon, amount, unit = row
    if amount is None or case.closed_at is not None:
        return None, due_soon
    calendar = default_calendar()
    entered = timezone.localdate(case.stage_entered_at)
    found = calendar.deadline(entered, amount, unit)
    title_zh, title_en = stage_titles(case)
    shown = AgencyTarget(
        title_zh,
        title_en,
        amount,
        unit,
        found.due,
        calendar.days_left(today, found.due, unit),
        today > found.due,
        found.approximate,
    )
    return shown, due_soon


DEFAULT_DUE_SOON_DAYS = 7


__all__ = [
    "AgencyTarget",
    "agency_target_for_case",
    "case_due_on",
    "clocks_for_case",
    "clocks_for_cases",
    "open_clocks_for_agency",
]

"""The figures of the reports page, computed by the database.

Every figure reads the cases the user may see (``cases_visible_to``: their agency only), narrowed to
the consultant's own cases for a consultant (an admin may pick one consultant), and to one license if
chosen. Each figure is one aggregate query (counts grouped in SQL, percentiles ranked by window
functions), so the page costs the same number of queries however many cases the agency has; the only
figure computed row by row in Python is the statutory clocks' (the working-day calendar lives in
``core/clocks.py``), over the cases open during the period that have dated events.

Cycle times come from the stage history in the audit trail: each ``case.created``, ``case.transitioned``
or ``case.move_undone`` row says which stage the case entered when, and the next such row of the case
says when it left. A stage left by an undo (a mis-click forward taken back) is not counted. End to end
runs from the day the case was opened to the day it closed. Percentiles are nearest-rank (the p-th
percentile of n spans is the ⌈p·n/100⌉-th smallest): a value that really occurred, the same on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lead, TruncDate, TruncMonth
from django.utils import timezone

from licensedesk.core.clocks import MET, RUNNING
from licensedesk.core.workflow import APPLICATION, WITHDRAWN
from licensedesk.web.accounts.models import Role
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case
from licensedesk.web.cases.selectors import cases_visible_to, is_staff_reader
from licensedesk.web.materials.models import ReviewRound

#: the audit actions after which a case is in the stage their ``after.stage`` names
STAGE_ENTRIES = ("case.created", "case.transitioned", "case.move_undone")
UNDO = "case.move_undone"
REFUSED = "rejected"  # the refusal stage of every license in the catalog (不予许可 / 不予备案)
ROUND_BINS = (1, 2, 3, 4)  # review rounds per case: 1, 2, 3, 4 or more


@dataclass(frozen=True)
class ReportFilters:
    """The period (both days included), one license or all, one consultant or all (admins only)."""

    start: date
    end: date
    license_id: str | None = None
    consultant_id: int | None = None

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The first instant after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def months(self) -> list[date]:
        """The first day of every month the period touches."""
        out, month = [], self.start.replace(day=1)
        while month <= self.end:
            out.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return out


@dataclass(frozen=True)
class Percentiles:
    count: int
    p50: float
    p90: float


@dataclass(frozen=True)
class ConsultantWork:
    consultant_id: int | None
    name: str
    open_now: int
    opened: int
    closed: int


@dataclass(frozen=True)
class Outcomes:
    granted: int = 0
    refused: int = 0
    withdrawn: int = 0

    @property
    def closed(self) -> int:
        return self.granted + self.refused + self.withdrawn

    def rate(self, part: int) -> float | None:
        """``part`` as a percentage of the closed cases (None when none closed)."""
        return round(100 * part / self.closed, 1) if self.closed else None


@dataclass(frozen=True)
class ClockTally:
    limit_id: str
    name_zh: str
    name_en: str
    met: int = 0
    late: int = 0
    overdue: int = 0

    @property
    def missed(self) -> int:
        return self.late + self.overdue


@dataclass
class Reports:
    filters: ReportFilters
    stages_now: dict[str, dict[str, int]] = field(default_factory=dict)  # license → stage → open cases
    opened_by_month: dict[date, int] = field(default_factory=dict)
    closed_by_month: dict[date, int] = field(default_factory=dict)
    stage_times: dict[str, dict[str, Percentiles]] = field(default_factory=dict)  # license → stage → days
    end_to_end: dict[str, Percentiles] = field(default_factory=dict)  # license → days
    outcomes: dict[str, Outcomes] = field(default_factory=dict)  # license → outcomes
    consultants: list[ConsultantWork] = field(default_factory=list)
    review_rounds: dict[int, int] = field(default_factory=dict)  # rounds → cases
    clocks: list[ClockTally] = field(default_factory=list)

    @property
    def total_outcomes(self) -> Outcomes:
        return Outcomes(
            sum(o.granted for o in self.outcomes.values()),
            sum(o.refused for o in self.outcomes.values()),
            sum(o.withdrawn for o in self.outcomes.values()),
        )

    @property
    def empty(self) -> bool:
        """Nothing to show at all: no open case and nothing happened in the period."""
        return not (
            self.stages_now
            or any(self.opened_by_month.values())
            or any(self.closed_by_month.values())
            or self.stage_times
            or self.review_rounds
            or self.clocks
        )


def report_cases(*, user: Any, filters: ReportFilters) -> QuerySet[Case]:
    """The cases the figures count: the user's agency's license applications; a consultant's own only;
    then the filters. Annual reports, change filings and renewals (other case types) run other stages and
    have no approval to count: mixed in, they would skew the cycle times and rates of the applications."""
    if not is_staff_reader(user):
        return Case.objects.none()
    cases = cases_visible_to(user=user).filter(case_type=APPLICATION)
    if user.role == Role.CONSULTANT:
        cases = cases.filter(consultant_id=user.pk)
    elif filters.consultant_id:
        cases = cases.filter(consultant_id=filters.consultant_id)
    if filters.license_id:
        cases = cases.filter(license_id=filters.license_id)
    return cases.order_by()


def reports_for(*, user: Any, filters: ReportFilters, today: date | None = None) -> Reports:
    """Every figure of the page (a fixed number of queries; none when the user may not read reports)."""
    out = Reports(filters)
    if not is_staff_reader(user):
        return out
    cases = report_cases(user=user, filters=filters)
    out.stages_now = stages_now(cases)
    out.opened_by_month, out.closed_by_month = opened_closed_by_month(cases, filters)
    out.stage_times = stage_times(cases, filters, agency_id=user.agency_id)
    out.end_to_end = end_to_end(cases, filters)
    out.outcomes = outcomes(cases, filters)
    out.consultants = consultant_work(cases, filters)
    out.review_rounds = review_rounds(cases, filters)
    out.clocks = clock_tallies(cases, filters, today=today or timezone.localdate())
    return out


# -- the figures ---------------------------------------------------------------------------------------


def _closed_in(filters: ReportFilters) -> Q:
    return Q(closed_at__gte=filters.start_at, closed_at__lt=filters.end_at)


def stages_now(cases: QuerySet[Case]) -> dict[str, dict[str, int]]:
    """Open cases per license and stage, now (the period does not apply: it is today's pipeline)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    rows = cases.filter(closed_at__isnull=True).values_list("license_id", "stage").annotate(n=Count("pk"))
    for license_id, stage, n in rows:
        out[license_id][stage] = n
    return dict(out)


def opened_closed_by_month(
    cases: QuerySet[Case], filters: ReportFilters
) -> tuple[dict[date, int], dict[date, int]]:
    """Cases opened (by their opening day) and closed (by the day they closed, China time) per month of
    the period, every month present (0 when nothing happened)."""
    months = filters.months()
    opened = dict.fromkeys(months, 0)
    closed = dict.fromkeys(months, 0)
    for month, n in (
        cases.filter(opened_on__gte=filters.start, opened_on__lte=filters.end)
        .annotate(month=TruncMonth("opened_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
    ):
        opened[_as_date(month)] = n
    for month, n in (
        cases.filter(_closed_in(filters))
        .annotate(month=TruncMonth("closed_at"))
        .values_list("month")
        .annotate(n=Count("pk"))
    ):
        closed[_as_date(month)] = n
    return opened, closed


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _days_sql(later: str, earlier: str, *, dates: bool = False) -> str:
    """Days between two columns of the inner query, as a number (fractional for instants)."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})" if dates else f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def _percentiles(
    inner: QuerySet[Any], keys: list[str], days: str, where: str = "", params: tuple = ()
) -> list[tuple]:
    """(keys…, count, p50, p90) per group of ``keys`` over the rows of ``inner`` (a values() queryset),
    ``days`` being each row's measure. One query: the rows are ranked in SQL, never fetched."""
    sql, inner_params = inner.query.sql_with_params()
    key_list = ", ".join(keys)
    query = f"""
        WITH rows_ AS ({sql}),
        measured AS (SELECT {key_list}, {days} AS days FROM rows_ {where}),
        ranked AS (
            SELECT {key_list}, days,
                   ROW_NUMBER() OVER (PARTITION BY {key_list} ORDER BY days) AS rn,
                   COUNT(*) OVER (PARTITION BY {key_list}) AS n
            FROM measured
        )
        SELECT {key_list}, MAX(n),
               MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN days END),
               MAX(CASE WHEN rn = (n * 90 + 99) / 100 THEN days END)
        FROM ranked GROUP BY {key_list}
    """
    with connection.cursor() as cursor:
        cursor.execute(query, (*inner_params, *params))
        return cursor.fetchall()


def stage_times(
    cases: QuerySet[Case], filters: ReportFilters, *, agency_id: int
) -> dict[str, dict[str, Percentiles]]:
    """Days spent in each stage, per license, over the stays that ended in the period (``cases`` are
    all of agency ``agency_id``)."""
    lead = {"partition_by": [F("case_id")], "order_by": [F("seq").asc()]}
    entries = (
        AuditEvent.objects.filter(
            agency_id=agency_id,  # the agency's stage entries by index, then only the cases counted
            action__in=STAGE_ENTRIES,
            case__in=cases.values("pk"),
            occurred_at__lt=filters.end_at,  # a stay that ended in the period began before its end
        )
        .annotate(
            lic=F("case__license_id"),
            stage=KeyTextTransform("stage", "after"),
            entered_at=F("occurred_at"),
            left_at=Window(Lead("occurred_at"), **lead),
            left_by=Window(Lead("action"), **lead),
        )
        .order_by()
        .values("lic", "stage", "entered_at", "left_at", "left_by")
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = _percentiles(
        entries,
        ["lic", "stage"],
        _days_sql("left_at", "entered_at"),
        "WHERE left_at IS NOT NULL AND left_by <> %s AND left_at >= %s AND left_at < %s",
        (UNDO, adapt(filters.start_at), adapt(filters.end_at)),
    )
    out: dict[str, dict[str, Percentiles]] = defaultdict(dict)
    for lic, stage, n, p50, p90 in rows:
        out[lic][stage] = Percentiles(n, float(p50), float(p90))
    return dict(out)


def end_to_end(cases: QuerySet[Case], filters: ReportFilters) -> dict[str, Percentiles]:
    """Days from opening to closing (whatever the outcome), per license, over the cases closed in the
    period."""
    closed = (
        cases.filter(_closed_in(filters))
        .annotate(lic=F("license_id"), opened=F("opened_on"), closed_day=TruncDate("closed_at"))
        .values("lic", "opened", "closed_day")
    )
    rows = _percentiles(closed, ["lic"], _days_sql("closed_day", "opened", dates=True))
    return {lic: Percentiles(n, float(p50), float(p90)) for lic, n, p50, p90 in rows}


def outcomes(cases: QuerySet[Case], filters: ReportFilters) -> dict[str, Outcomes]:
    """How the cases closed in the period ended, per license: the license granted (已领证 / 已备案),
    refused (不予许可) or withdrawn (已撤回)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"granted": 0, "refused": 0, "withdrawn": 0})
    for lic, stage, n in (
        cases.filter(_closed_in(filters)).values_list("license_id", "stage").annotate(n=Count("pk"))
    ):
        kind = "withdrawn" if stage == WITHDRAWN else "refused" if stage == REFUSED else "granted"
        counts[lic][kind] += n
    return {lic: Outcomes(**c) for lic, c in counts.items()}


def consultant_work(cases: QuerySet[Case], filters: ReportFilters) -> list[ConsultantWork]:
    """Per consultant (and the unassigned cases): open cases now, opened and closed in the period."""
    rows = (
        cases.values_list("consultant_id", "consultant__display_name", "consultant__username")
        .annotate(
            open_now=Count("pk", filter=Q(closed_at__isnull=True)),
            opened=Count("pk", filter=Q(opened_on__gte=filters.start, opened_on__lte=filters.end)),
            closed=Count("pk", filter=_closed_in(filters)),
        )
        .order_by()
    )
    work = [
        ConsultantWork(pk, display or username or "", open_now, opened, closed)
        for pk, display, username, open_now, opened, closed in rows
        if open_now or opened or closed
    ]
    return sorted(work, key=lambda w: (w.consultant_id is None, -w.open_now, -w.opened, w.name))


def review_rounds(cases: QuerySet[Case], filters: ReportFilters) -> dict[int, int]:
    """How many cases had 1, 2, 3, … review rounds opened in the period (cases with none left out)."""
    per_case = (
        ReviewRound.objects.filter(
            case_id=OuterRef("pk"), opened_at__gte=filters.start_at, opened_at__lt=filters.end_at
        )
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        cases.annotate(rounds=Subquery(per_case))
        .filter(rounds__isnull=False)
        .values_list("rounds")
        .annotate(n=Count("pk"))
        .order_by("rounds")
    )
    return dict(rows)


def clock_tallies(cases: QuerySet[Case], filters: ReportFilters, *, today: date) -> list[ClockTally]:
    """The statutory time limits decided in the period, per limit: met on time (the authority or the
    client acted by the due day), met late, and still running past the due day (overdue now, due in the
    period). Clocks still running within their limit are not decided yet and not counted. Two queries."""
    from licensedesk.web.cases.clocks import clocks_for_cases  # the clocks module reads the cases app

    candidates = (
        cases.filter(events__isnull=False)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=filters.start_at))
        .distinct()
        .only("pk", "license_id", "ruleset_version", "stage", "closed_at")
    )
    tallies: dict[str, dict[str, Any]] = {}
    for clocks in clocks_for_cases(candidates, today=today).values():
        for clock in clocks:
            if not clock.statutory:
                continue
            if clock.state == MET and clock.ended_on and filters.start <= clock.ended_on <= filters.end:
                kind = "met" if clock.ended_on <= clock.due else "late"
            elif clock.state == RUNNING and clock.overdue and filters.start <= clock.due <= filters.end:
                kind = "overdue"
            else:
                continue
            tally = tallies.setdefault(
                clock.limit_id,
                {
                    "limit_id": clock.limit_id,
                    "name_zh": clock.name_zh,
                    "name_en": clock.name_en,
                    "met": 0,
                    "late": 0,
                    "overdue": 0,
                },
            )
            tally[kind] += 1
    return [ClockTally(**t) for t in tallies.values()]

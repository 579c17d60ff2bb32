"""Reads of companies and cases. Who sees what is decided here, once:

* a client user sees only their own company and its cases;
* consultants and agency admins see their agency's companies and cases;
* nobody sees anything of another agency; an inactive or agency-less user sees nothing.

Every view, API and admin page reads through :func:`companies_visible_to` / :func:`cases_visible_to`
(or the selectors built on them), never through ``Case.objects`` directly. A lookup by id of something
the user may not see raises :class:`NotFound` — the same as a missing id, so existence never leaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.catalog.models import Records
from licensedesk.core.errors import NotFound, WorkflowError
from licensedesk.core.workflow import APPLICATION, StageMachine, machine_for
from licensedesk.web.accounts.models import STAFF_ROLES, Role
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.check_diff import CheckDiff, diff_check_results
from licensedesk.web.cases.guards import GuardContext, GuardOutcome, evaluate_guards
from licensedesk.web.cases.models import (
    Case,
    CaseCheck,
    CaseEvent,
    ClientCompany,
    GuardOverride,
    LicenseRecord,
    Note,
    NoteVisibility,
    Task,
)


def _reader(user: Any) -> Any | None:
    """The user if they may read anything at all, else None."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not user.is_active
        or user.agency_id is None
    ):
        return None
    if user.role == Role.CLIENT_USER and user.company_id is None:
        return None
    if user.role not in Role.values:
        return None
    return user


# -- the one place tenancy is applied ------------------------------------------------------------------


def companies_visible_to(*, user: Any) -> QuerySet[ClientCompany]:
    reader = _reader(user)
    if reader is None:
        return ClientCompany.objects.none()
    companies = ClientCompany.objects.filter(agency_id=reader.agency_id)
    if reader.role == Role.CLIENT_USER:
        companies = companies.filter(pk=reader.company_id)
    return companies


def cases_visible_to(*, user: Any) -> QuerySet[Case]:
    reader = _reader(user)
    if reader is None:
        return Case.objects.none()
    cases = Case.objects.filter(agency_id=reader.agency_id)
    if reader.role == Role.CLIENT_USER:
        cases = cases.filter(company_id=reader.company_id)
    return cases


def is_staff_reader(user: Any) -> bool:
    reader = _reader(user)
    return reader is not None and reader.role in STAFF_ROLES


# -- companies ----------------------------------------------------------------------------------------


def company_list_visible_to(*, user: Any, search: str = "", province: str = "") -> QuerySet[ClientCompany]:
    """Companies by name; ``search`` matches a name fragment or a USCC prefix."""
    companies = companies_visible_to(user=user)
    # NUL cannot be in a stored text (PostgreSQL refuses it in a query): a search holding one finds nothing
    search = search.strip()
    if "\x00" in search:
        return companies.none()
    if search:
        companies = companies.filter(Q(name__icontains=search) | Q(uscc__startswith=search.upper()))
    if province:
        companies = companies.filter(province=province)
    return companies.order_by("name", "pk")


def company_get_visible_to(*, user: Any, company_id: int) -> ClientCompany:
    company = companies_visible_to(user=user).filter(pk=company_id).first()
    if company is None:
        raise NotFound("No such company.", code="company.not_found", message_zh="未找到该企业。")
    return company


# -- cases --------------------------------------------------------------------------------------------


def _case_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases as list rows: with company and consultant, without the company's profile (a JSON document
    of kilobytes per row that lists never show; reading ``case.company.profile`` would load it)."""
    return cases.select_related("company", "consultant").defer("company__profile")


def with_due_window(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Rows carrying their agency's due-soon window (``case.due_soon_days``) for the board's and the
    list's flags: a join in the same query, no query of its own."""
    return cases.annotate(due_soon_days=F("agency__due_soon_days"))


def case_list_visible_to(
    *,
    user: Any,
    stage: str = "",
    consultant_id: int | None = None,
    company_id: int | None = None,
    license_id: str = "",
    search: str = "",
    open_only: bool = False,
    order: str = "",
    case_type: str = "",
) -> QuerySet[Case]:
    """The case list (one query with company and consultant), newest activity first, or with
    ``order="due"`` the nearest statutory due date first (``stage_due_on``, kept by the moves from the
    case's running clocks; open cases without one after them, closed cases last). The search is
    :func:`case_search_q` (the company name through a trigram index on PostgreSQL)."""
    cases = _case_rows(cases_visible_to(user=user))
    if stage:
        cases = cases.filter(stage=stage)
    if consultant_id is not None:
        cases = cases.filter(consultant_id=consultant_id)
    if company_id is not None:
        cases = cases.filter(company_id=company_id)
    if license_id:
        cases = cases.filter(license_id=license_id)
    if case_type:
        cases = cases.filter(case_type=case_type)
    if open_only:
        cases = cases.filter(closed_at__isnull=True)
    search = search.strip()
    if "\x00" in search:  # never in a stored text; PostgreSQL refuses it in a query
        return cases.none()
    if search:
        cases = cases.filter(case_search_q(search))
    if order == "due":
        return cases.order_by(
            F("closed_at").asc(nulls_first=True), F("stage_due_on").asc(nulls_last=True), "-updated_at", "-pk"
        )
    return cases.order_by("-updated_at", "-pk")


def case_search_q(search: str) -> Q:
    """What the one search box matches (the navigation's and the case list's): a fragment of the case
    number, the company name, the legal representative's name, a website domain or the license number,
    or a USCC prefix. Filters only (subqueries): the list stays one query."""
    companies = ClientCompany.objects.filter(
        Q(name__icontains=search)
        | Q(uscc__startswith=search.upper())
        | Q(profile__company__legal_representative__name__icontains=search)
        | Q(profile__service__websites__icontains=search)
    ).values("pk")
    matching = (
        Case.objects.filter(company_id__in=companies)
        .values("pk")
        .union(
            Case.objects.filter(number__icontains=search).values("pk"),
            LicenseRecord.objects.filter(number__icontains=search).values("case_id"),
        )
    )
    # The matching case ids, each table searched through its own index on PostgreSQL (the trigram
    # indexes of migrations 0003 and 0005): the list's query reads only the cases found.
    return Q(pk__in=matching)


def case_get_visible_to(*, user: Any, case_id: int) -> Case:
    case = cases_visible_to(user=user).select_related("company", "consultant").filter(pk=case_id).first()
    if case is None:
        raise NotFound("No such case.", code="case.not_found", message_zh="未找到该案件。")
    return case


#: Cards a board column shows: its newest-activity cases (the column's count says how many it holds;
#: the case list, filtered by the stage, shows them all).
BOARD_CARDS = 10


@dataclass
class BoardColumn:
    stage: str
    title_zh: str
    title_en: str
    actor: str
    terminal: bool
    cases: list[Case] = field(default_factory=list)  # at most ``BOARD_CARDS``, newest activity first
    count: int = 0  # every case in the column

    @property
    def more(self) -> int:
        """Cases in the column beyond the cards shown."""
        return self.count - len(self.cases)


def board_default_license(*, user: Any) -> str | None:
    """The license of the agency's most recently active case (what the board opens on), None if none."""
    return cases_visible_to(user=user).order_by("-updated_at").values_list("license_id", flat=True).first()


def case_board(
    *,
    user: Any,
    license_id: str,
    open_only: bool = True,
    consultant_id: int | None = None,
    cards: int = BOARD_CARDS,
    case_type: str = APPLICATION,
) -> list[BoardColumn]:
    """The staff board of one license: a column per stage (in workflow order) with how many cases it
    holds and its ``cards`` newest-activity cases, optionally only one consultant's. Stages come from
    the license's rule versions, newest first, so cases opened under an older version still find their
    column.

    Two queries whatever the number of cases (an agency has thousands of open cases; a board of
    thousands of cards is neither readable nor fast): the count per stage (an index-only scan of
    ``case_board_open_idx``, which holds open cases only), and the cards with company and consultant,
    fetched by id from the ``cards`` newest of each stage (see :func:`_newest_per_stage`). No case, no
    second query.

    One case type at a time (``case_type``: the application by default; an annual report, a change or a
    renewal has its own stages, so it has its own board)."""
    lic = default_catalog().license(license_id)
    columns: dict[str, BoardColumn] = {}
    for version in reversed(lic.versions):
        flow = version.workflow if case_type == APPLICATION else _case_type_flow(version, case_type)
        for stage in flow.stages if flow is not None else ():
            columns.setdefault(
                stage.id, BoardColumn(stage.id, stage.title.zh, stage.title.en, stage.actor, stage.terminal)
            )

    def column(stage: str) -> BoardColumn:  # a stage no version declares any more: shown, not hidden
        return columns.setdefault(stage, BoardColumn(stage, stage, stage, "agency", False))

    cases = case_list_visible_to(
        user=user,
        license_id=license_id,
        open_only=open_only,
        consultant_id=consultant_id,
        case_type=case_type,
    )
    counts = dict(cases.order_by().values_list("stage").annotate(count=Count("pk")))
    for stage, count in counts.items():
        column(stage).count = count
    if counts:
        shown = _newest_per_stage(
            cases, sorted(counts), cards, total=sum(min(n, cards) for n in counts.values())
        )
        # ``shown`` reads visible cases only: fetched by id, the outer query is those few rows.
        for case in with_due_window(_case_rows(Case.objects.filter(pk__in=shown))).order_by(
            "-updated_at", "-pk"
        ):
            column(case.stage).cases.append(case)
    return list(columns.values())


def _case_type_flow(version: Any, case_type: str) -> Any:
    declared = version.case_type(case_type)
    return declared.workflow if declared is not None else None


def case_types_of(license_id: str) -> list[tuple[str, Any]]:
    """The case types a license's newest rule version declares, after the application: ``(id, title)``
    with a bilingual title (None for the application, which the pages name themselves)."""
    try:
        version = default_catalog().license(license_id).versions[-1]
    except LookupError:
        return [(APPLICATION, None)]
    return [(APPLICATION, None), *((t.id, t.title) for t in version.case_types)]


def _newest_per_stage(cases: QuerySet[Case], stages: list[str], cards: int, *, total: int) -> QuerySet[Case]:
    """The ids of the ``cards`` newest-activity cases of each stage, as a subquery.

    Where the database allows LIMIT inside a UNION (PostgreSQL), a UNION ALL of one LIMITed select per
    stage: each reads the first ``cards`` entries of its stage in ``case_board_open_idx``, so the cost
    does not depend on how many cases there are. Elsewhere (SQLite) every case is ranked within its
    stage by ``ROW_NUMBER()`` and the first ``cards`` kept; ``total`` (the number of cards, from the
    counts) bounds the subquery, so that the planner fetches the cards by id."""
    if connections[cases.db].features.supports_slicing_ordering_in_compound:
        newest = [
            cases.filter(stage=stage).order_by("-updated_at", "-pk").values("pk")[:cards] for stage in stages
        ]
        return newest[0].union(*newest[1:], all=True) if len(newest) > 1 else newest[0]
    rank = Window(RowNumber(), partition_by=[F("stage")], order_by=[F("updated_at").desc(), F("pk").desc()])
    return cases.order_by().annotate(rank=rank).filter(rank__lte=cards).values("pk")[:total]


def case_machine(case: Case) -> StageMachine:
    # an object without a case type (a display test's stand-in) is an application
    return machine_for(case.license_id, case.ruleset_version, getattr(case, "case_type", APPLICATION))


def stage_titles(case: Case) -> tuple[str, str]:
    stage = case_machine(case).stage(case.stage)
    return stage.title.zh, stage.title.en


# -- checks -------------------------------------------------------------------------------------------


def case_checks(*, case: Case) -> QuerySet[CaseCheck]:
    """The case's stored checks, newest first (the caller has the case from a visibility selector)."""
    return CaseCheck.objects.filter(case_id=case.pk).select_related("run_by").order_by("-created_at", "-pk")


def check_diff(*, before: CaseCheck, after: CaseCheck) -> CheckDiff:
    return diff_check_results(before.result, after.result)


def case_check_diff(*, case: Case) -> CheckDiff | None:
    """What changed between the case's two latest checks (None with fewer than two). One query."""
    latest = list(CaseCheck.objects.filter(case_id=case.pk).order_by("-created_at", "-pk")[:2])
    if len(latest) < 2:
        return None
    return diff_check_results(latest[1].result, latest[0].result)


# -- notes, tasks -------------------------------------------------------------------------------------


def notes_visible_to(*, user: Any, case: Case) -> QuerySet[Note]:
    """Staff see every note; a client user only notes shared with the client."""
    reader = _reader(user)
    if reader is None or case.agency_id != reader.agency_id:
        return Note.objects.none()
    notes = Note.objects.filter(case_id=case.pk)
    if reader.role == Role.CLIENT_USER:
        if case.company_id != reader.company_id:
            return Note.objects.none()
        notes = notes.filter(visibility=NoteVisibility.CLIENT)
    return notes.select_related("author").order_by("-created_at", "-pk")


def tasks_visible_to(*, user: Any, case: Case | None = None, open_only: bool = False) -> QuerySet[Task]:
    """Tasks are staff-only: a case's tasks, or (without ``case``) all the agency's."""
    reader = _reader(user)
    if reader is None or reader.role not in STAFF_ROLES:
        return Task.objects.none()
    tasks = Task.objects.filter(case__agency_id=reader.agency_id)
    if case is not None:
        tasks = tasks.filter(case_id=case.pk)
    if open_only:
        tasks = tasks.filter(done_at__isnull=True)
    return tasks.select_related("assignee", "case", "case__company").order_by("done_at", "due_on", "pk")


def tasks_open_for(*, user: Any) -> QuerySet[Task]:
    """The open tasks a staff user should do: assigned to them, or unassigned on a case they consult.
    Earliest due first (so overdue ones lead), undated last. One query with case and company."""
    tasks = tasks_visible_to(user=user, open_only=True)
    if not is_staff_reader(user):
        return tasks
    mine = Q(assignee_id=user.pk) | Q(assignee__isnull=True, case__consultant_id=user.pk)
    return tasks.filter(mine).order_by(F("due_on").asc(nulls_last=True), "pk")


# -- the case page ------------------------------------------------------------------------------------


@dataclass
class CaseDetail:
    case: Case
    stage_title_zh: str
    stage_title_en: str
    checks: list[CaseCheck]  # newest first, at most ``checks_shown`` (the page: the latest and its diff)
    check_diff: CheckDiff | None
    notes: list[Note]
    tasks: list[Task]
    license_record: LicenseRecord | None
    overrides: list[GuardOverride]

    @property
    def latest_check(self) -> CaseCheck | None:
        return self.checks[0] if self.checks else None


def case_detail(*, user: Any, case_id: int, checks_shown: int = 2) -> CaseDetail:
    """Everything the case page shows, in a fixed number of queries (5 for staff, 3 for a client)."""
    case = (
        cases_visible_to(user=user)
        .select_related("company", "consultant", "license_record")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("No such case.", code="case.not_found", message_zh="未找到该案件。")
    staff = user.role in STAFF_ROLES
    checks = list(case_checks(case=case)[:checks_shown])
    notes = list(notes_visible_to(user=user, case=case))
    tasks = (
        list(tasks_visible_to(user=user, case=case).select_related(None).select_related("assignee"))
        if staff
        else []
    )
    overrides = list(GuardOverride.objects.filter(case_id=case.pk).select_related("actor")) if staff else []
    title_zh, title_en = stage_titles(case)
    try:
        record = case.license_record
    except LicenseRecord.DoesNotExist:
        record = None
    return CaseDetail(
        case=case,
        stage_title_zh=title_zh,
        stage_title_en=title_en,
        checks=checks,
        check_diff=diff_check_results(checks[1].result, checks[0].result) if len(checks) >= 2 else None,
        notes=notes,
        tasks=tasks,
        license_record=record,
        overrides=overrides,
    )


# -- the moves a user can make ------------------------------------------------------------------------


@dataclass
class MoveOption:
    """A stage the case can move to next, and whether ``user`` can move it there now."""

    to_stage: str
    title_zh: str
    title_en: str
    guards: list[GuardOutcome]
    withdrawal: bool
    permitted: bool  # the user's role allows moving this case
    records: Records | None = None  # the dated event the move records (catalog declaration)
    terminal: bool = False  # the move ends the case: the form asks for a confirmation

    @property
    def allowed(self) -> bool:
        return self.permitted and all(g.passed for g in self.guards)

    @property
    def blocked_by(self) -> list[GuardOutcome]:
        return [g for g in self.guards if not g.passed]

    @property
    def event_title_zh(self) -> str:
        return self.records.title.zh if self.records else ""

    @property
    def event_title_en(self) -> str:
        return self.records.title.en if self.records else ""


def case_moves(*, user: Any, case: Case) -> list[MoveOption]:
    """The moves out of the case's stage, each with its guards evaluated as of now (refusal messages
    included), for the buttons of the case page. Client users get none."""
    reader = _reader(user)
    if reader is None or reader.role not in STAFF_ROLES or case.agency_id != reader.agency_id:
        return []
    permitted = reader.role == Role.AGENCY_ADMIN or case.consultant_id == reader.pk
    machine = case_machine(case)
    if machine.is_terminal(case.stage):
        return []
    overrides: dict[str, int] = {}
    for guard_id, override_id in (
        GuardOverride.objects.filter(case_id=case.pk)
        .order_by("-created_at", "-pk")
        .values_list("guard_id", "pk")
    ):
        overrides.setdefault(guard_id, override_id)
    options = []
    for move in machine.moves_from(case.stage):
        stage = machine.stage(move.to)
        outcomes = evaluate_guards(
            GuardContext(case=case, move=move, actor=reader, machine=machine), overrides=overrides
        )
        options.append(
            MoveOption(
                move.to,
                stage.title.zh,
                stage.title.en,
                outcomes,
                move.withdrawal,
                permitted,
                records=move.records,
                terminal=move.terminal,
            )
        )
    return options


def move_records(case: Case, to_stage: str) -> Records | None:
    """What the move from the case's stage to ``to_stage`` records (None: no such move, or nothing)."""
    try:
        return case_machine(case).move(case.stage, to_stage).records
    except WorkflowError:
        return None


# -- the path a case took ---------------------------------------------------------------------------------

UNDO_KIND = "move_undone"
_PATH_ACTIONS = ("case.created", "case.transitioned", "case.move_undone")


@dataclass(frozen=True)
class MadeMove:
    """A stage move that stands (not undone): the audit row that recorded it and its two stages."""

    audit_id: int
    source: str
    to: str
    at: Any  # the audit row's time (when the case entered ``to``)


def _stacks(case_ids: list[int]) -> dict[int, tuple[list[str], list[MadeMove]]]:
    """Per case: the stages it went through and the moves that stand, replaying its audit trail in
    chain order (an undo takes the last move off; history itself is never rewritten)."""
    out: dict[int, tuple[list[str], list[MadeMove]]] = {pk: ([], []) for pk in case_ids}
    if not case_ids:
        return out
    rows = (
        AuditEvent.objects.filter(case_id__in=case_ids, action__in=_PATH_ACTIONS)
        .order_by("case_id", "seq")
        .values_list("case_id", "pk", "action", "before", "after", "occurred_at")
    )
    for case_id, pk, action, before, after, at in rows:
        path, moves = out[case_id]
        before, after = before or {}, after or {}
        if action == "case.created" and after.get("stage"):
            path[:] = [after["stage"]]
        elif action == "case.transitioned" and after.get("stage"):
            if not path and before.get("stage"):  # a trail without its opening row
                path.append(before["stage"])
            path.append(after["stage"])
            moves.append(MadeMove(pk, str(before.get("stage", "")), after["stage"], at))
        elif action == "case.move_undone" and moves:
            moves.pop()
            if len(path) > 1:
                path.pop()
    return out


def stage_paths(case_ids: list[int]) -> dict[int, list[str]]:
    """The stages each case has been in, in order, moves undone left out (one query for all cases).
    The steppers of the case page and of the portal are drawn from it."""
    return {pk: path for pk, (path, _moves) in _stacks(case_ids).items()}


def case_stage_path(case: Case) -> list[str]:
    return stage_paths([case.pk])[case.pk]


def case_history(case: Case) -> tuple[list[str], MadeMove | None]:
    """The path the case took and the move that brought it to its current stage (None if there is
    none that stands, or the stage moved since): the case page's stepper and undo, in one query."""
    path, moves = _stacks([case.pk])[case.pk]
    return path, moves[-1] if moves and moves[-1].to == case.stage else None


def last_move(case: Case) -> MadeMove | None:
    """The move that brought the case to its current stage, if it stands and can be undone."""
    return case_history(case)[1]


def case_events_for(case: Case, *, include_undone: bool = False) -> QuerySet[CaseEvent]:
    """The dated events of a case in the order they happened (the statutory clocks count from them).
    By default only the events that stand: neither an undo nor a move undone since."""
    events = CaseEvent.objects.filter(case_id=case.pk).select_related("recorded_by")
    if not include_undone:
        events = events.exclude(kind=UNDO_KIND).filter(undone_by__isnull=True)
    return events.order_by("occurred_on", "recorded_at", "pk")


__all__ = [
    "BOARD_CARDS",
    "BoardColumn",
    "CaseDetail",
    "MoveOption",
    "case_board",
    "case_check_diff",
    "case_checks",
    "case_detail",
    "case_events_for",
    "case_get_visible_to",
    "case_history",
    "case_list_visible_to",
    "case_moves",
    "case_stage_path",
    "cases_visible_to",
    "check_diff",
    "companies_visible_to",
    "company_get_visible_to",
    "company_list_visible_to",
    "last_move",
    "move_records",
    "notes_visible_to",
    "stage_paths",
    "tasks_open_for",
    "tasks_visible_to",
    "with_due_window",
]

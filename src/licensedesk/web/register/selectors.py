"""Reads of the license register: which licenses a user sees, each license's status and its duties.

Tenancy as everywhere (``licensedesk.web.cases.selectors``): staff see their agency's licenses, a client
user only their own company's, nobody another agency's. A lookup of a license one may not see raises
:class:`NotFound`, as a missing one does.

The duties (:class:`LicenseDuty`) are what keeps a license alive: each annual report and the renewal
from the catalog (:func:`licensedesk.core.obligations.obligations`) and each change filing a profile
edit proposed (:class:`~licensedesk.web.register.models.ChangeProposal`). The reminders and the
calendar feed read :func:`license_duties` and :func:`license_duties_for_company`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from django.db.models import Prefetch, Q, QuerySet

from licensedesk.core.catalog.loader import CompiledVersion, LookupProblem, default_catalog
from licensedesk.core.catalog.models import ChangeFiling, LicensedService, Text
from licensedesk.core.eligibility import citation_text
from licensedesk.core.errors import NotFound, WorkflowError
from licensedesk.core.obligations import ObligationInputError, obligations
from licensedesk.web.accounts.models import Role
from licensedesk.web.cases.models import Case, ClientCompany, LicenseRecord, LicenseStatus
from licensedesk.web.cases.selectors import _reader, case_machine
from licensedesk.web.register.models import ChangeProposal, LaunchProof, ProposalStatus

DutyKind = Literal["annual_report", "renewal", "change_filing"]
#: the case type (``case_types`` in the catalog) that does each duty
DUTY_CASE_TYPES: dict[str, str] = {
    "annual_report": "annual_report",
    "renewal": "renewal",
    "change_filing": "change",
}
DutyState = Literal["todo", "open", "done"]

#: The law sets no earliest day to apply for renewing a telecom license (only the last one, 90 days
#: before expiry), so the register says "renewal due" from this many days before that last day: the
#: agency's working margin to prepare the renewal, not a legal period. A catalog ``window_days`` (the
#: earliest day the law allows) takes precedence where a license has one.
RENEWAL_ATTENTION_DAYS = 90


@dataclass(frozen=True, slots=True)
class LicenseDuty:
    """One thing a license holder must do by a date. ``period`` names which one (the year an annual
    report covers, the license term for a renewal, ``<rule id>-<proposal id>`` for a change filing);
    ``opens`` is the first day it can be done where there is one (for a change filing: the day of the
    change); ``certainty`` is the catalog's mark (L/S/W/U): a ``U`` duty
    is shown as uncertain, never as settled. ``title`` and ``note`` are bilingual (change filings)."""

    license: LicenseRecord
    kind: DutyKind
    period: str
    opens: date | None
    due: date
    citations: tuple[str, ...]
    certainty: str
    title: Text | None = None
    note: Text | None = None
    proposal_id: int | None = None
    #: the due date depends on a year without a published holiday arrangement (core.deadlines)
    approximate: bool = False
    #: the latest case started for this duty (``Case.duty_period`` is the duty's ``period``), if any
    case: Any = None

    @property
    def uncertain(self) -> bool:
        return self.certainty == "U"

    @property
    def state(self) -> DutyState:
        """``open`` while its case runs; ``done`` once the case closed at a stage where it achieved its
        purpose (the catalog's ``granted_at``: report filed, renewal granted …); ``todo`` otherwise
        (no case, or one withdrawn or refused). Reminders stop for a ``done`` duty."""
        if self.case is None:
            return "todo"
        if self.case.closed_at is None:
            return "open"
        return "done" if _case_granted(self.case) else "todo"

    @property
    def done(self) -> bool:
        return self.state == "done"

    def overdue(self, as_of: date) -> bool:
        return as_of > self.due

    def days_left(self, as_of: date) -> int:
        return (self.due - as_of).days


@dataclass
class RegisterRow:
    """A license as the register shows it: status on the day, its duties, the next one."""

    license: LicenseRecord
    status: str
    duties: list[LicenseDuty]
    services: list[LicensedService] = field(default_factory=list)

    @property
    def next_duty(self) -> LicenseDuty | None:
        return self.duties[0] if self.duties else None

    @property
    def change_filings(self) -> list[LicenseDuty]:
        return [d for d in self.duties if d.kind == "change_filing"]


def _case_granted(case: Any) -> bool:
    try:
        return case_machine(case).is_granted(case.stage)
    except (WorkflowError, LookupError):
        return False


# -- tenancy ------------------------------------------------------------------------------------------


def licenses_visible_to(*, user: Any) -> QuerySet[LicenseRecord]:
    reader = _reader(user)
    if reader is None:
        return LicenseRecord.objects.none()
    licenses = LicenseRecord.objects.filter(agency_id=reader.agency_id)
    if reader.role == Role.CLIENT_USER:
        licenses = licenses.filter(company_id=reader.company_id)
    return licenses


def _with_relations(licenses: QuerySet[LicenseRecord]) -> QuerySet[LicenseRecord]:
    """Rows with their company (without its profile), case, the change proposals still to file (open,
    or started as a change case) and the duty cases: four queries for any number of licenses."""
    live = (ProposalStatus.OPEN, ProposalStatus.STARTED)
    return (
        licenses.select_related("company", "case")
        .defer("company__profile")
        .prefetch_related(
            Prefetch(
                "change_proposals",
                queryset=ChangeProposal.objects.filter(status__in=live).order_by("due_on", "pk"),
                to_attr="live_proposals",
            ),
            Prefetch(
                "duty_cases",
                queryset=Case.objects.only(*DUTY_CASE_FIELDS).order_by("-created_at", "-pk"),
                to_attr="duty_case_rows",
            ),
        )
    )


#: what a duty shows of its case (number, stage in words, whether it is done)
DUTY_CASE_FIELDS = (
    "pk",
    "number",
    "license_id",
    "ruleset_version",
    "case_type",
    "duty_period",
    "stage",
    "closed_at",
    "subject_license_id",
    "created_at",
)


def open_proposals(record: LicenseRecord) -> list[ChangeProposal]:
    """The license's change proposals not yet acted on (prefetched by :func:`_with_relations`)."""
    live = getattr(record, "live_proposals", None)
    if live is None:
        live = list(record.change_proposals.filter(status=ProposalStatus.OPEN))
    return [p for p in live if p.status == ProposalStatus.OPEN]


def license_get_visible_to(*, user: Any, license_id: int) -> LicenseRecord:
    record = _with_relations(licenses_visible_to(user=user)).filter(pk=license_id).first()
    if record is None:
        raise NotFound("No such license.", code="register.not_found", message_zh="未找到该许可证。")
    return record


# -- the catalog's view of a license ------------------------------------------------------------------


def compiled_version_for(record: LicenseRecord) -> CompiledVersion | None:
    """The rule version whose duties bind the license: the case's version, else the one in force on
    the issue date, else (a license older than the catalog's first version) the earliest; None for a
    license the catalog does not know."""
    catalog = default_catalog()
    try:
        if record.case_id is not None and record.case is not None:
            return catalog.version(record.license_id, record.case.ruleset_version)
        return catalog.version_on(record.license_id, record.issued_on)
    except LookupProblem:
        try:
            lic = catalog.license(record.license_id)
        except LookupProblem:
            return None
        return catalog.version(record.license_id, lic.versions[0].id)


def licensed_services(record: LicenseRecord) -> list[LicensedService]:
    compiled = compiled_version_for(record)
    if compiled is None:
        return []
    return [s for s in compiled.version.services if s.id in set(record.services)]


def renewal_attention_from(record: LicenseRecord, compiled: CompiledVersion | None) -> date | None:
    """The day the register starts saying "renewal due" (see :data:`RENEWAL_ATTENTION_DAYS`)."""
    if compiled is None or record.expires_on is None:
        return None
    renewal = compiled.version.renewal
    if renewal is None:
        return None
    if renewal.window_days:
        return record.expires_on - timedelta(days=renewal.window_days)
    return record.expires_on - timedelta(days=renewal.lead_days + RENEWAL_ATTENTION_DAYS)


def license_status(record: LicenseRecord, *, as_of: date) -> str:
    """Revoked or cancelled when staff said so (from the day they gave); expired after the printed
    expiry; renewal due from :func:`renewal_attention_from`; valid otherwise."""
    if record.ended_status and (record.ended_on is None or record.ended_on <= as_of):
        return record.ended_status
    if record.expires_on is not None and as_of > record.expires_on:
        return LicenseStatus.EXPIRED
    start = renewal_attention_from(record, compiled_version_for(record))
    if start is not None and as_of >= start:
        return LicenseStatus.RENEWAL_DUE
    return LicenseStatus.VALID


# -- duties -------------------------------------------------------------------------------------------


def _change_rule(compiled: CompiledVersion | None, rule_id: str) -> ChangeFiling | None:
    if compiled is None:
        return None
    return next((r for r in compiled.version.change_filings if r.id == rule_id), None)


def duties_of(record: LicenseRecord, *, as_of: date) -> list[LicenseDuty]:
    """The license's duties from ``as_of`` on, in due-date order: none once it is revoked, cancelled or
    expired. Open change proposals must be prefetched (``open_proposals``) or are read here."""
    status = license_status(record, as_of=as_of)
    if status in (LicenseStatus.REVOKED, LicenseStatus.CANCELLED, LicenseStatus.EXPIRED):
        return []
    compiled = compiled_version_for(record)
    found: list[LicenseDuty] = []
    cases = _duty_cases(record)
    if compiled is not None:
        # a license without a fixed term: its annual reports up to the end of next year, no renewal
        until = record.expires_on or date(as_of.year + 1, 12, 31)
        try:
            listed = obligations(
                compiled.license, compiled.version, issued_on=record.issued_on, expires_on=until, as_of=as_of
            )
        except ObligationInputError:
            listed = []
        found += [
            LicenseDuty(
                record,
                o.kind,
                o.period,
                o.opens,
                o.due,
                o.citations,
                o.certainty,
                case=cases.get((DUTY_CASE_TYPES[o.kind], o.period)),
            )
            for o in listed
            if record.expires_on is not None or o.kind != "renewal"
        ]
    proposals = getattr(record, "live_proposals", None)
    if proposals is None:
        live = (ProposalStatus.OPEN, ProposalStatus.STARTED)
        proposals = list(record.change_proposals.filter(status__in=live))
    for proposal in proposals:
        rule = _change_rule(compiled, proposal.rule_id)
        found.append(
            LicenseDuty(
                record,
                "change_filing",
                f"{proposal.rule_id}-{proposal.pk}",  # unique: a later edit under the same rule is another
                proposal.changed_on,
                proposal.due_on,
                (citation_text(compiled.license, rule.citations),) if rule and compiled else (),
                proposal.certainty,
                title=rule.title if rule else None,
                note=rule.note if rule else None,
                proposal_id=proposal.pk,
                approximate=proposal.due_approximate,
                case=cases.get(("change", f"{proposal.rule_id}-{proposal.pk}")),
            )
        )
    return sorted(found, key=lambda d: (d.due, d.kind, d.period))


def _duty_cases(record: LicenseRecord) -> dict[tuple[str, str], Any]:
    """The latest case of each duty of the license, by (case type, duty period)."""
    rows = getattr(record, "duty_case_rows", None)
    if rows is None:
        rows = list(
            Case.objects.filter(subject_license_id=record.pk)
            .only(*DUTY_CASE_FIELDS)
            .order_by("-created_at", "-pk")
        )
    found: dict[tuple[str, str], Any] = {}
    for case in rows:  # newest first: the first seen is the latest
        found.setdefault((case.case_type, case.duty_period), case)
    return found


def license_duties(*, agency: Any, as_of: date) -> list[LicenseDuty]:
    """Every duty of every license of the agency's clients from ``as_of`` on, in due-date order.
    ``agency``: an Agency or its id. For the reminders and the calendar feed (no user: they run as the
    system, for one agency)."""
    agency_id = getattr(agency, "pk", agency)
    records = _with_relations(LicenseRecord.objects.filter(agency_id=agency_id))
    return sorted(
        (d for r in records for d in duties_of(r, as_of=as_of)), key=lambda d: (d.due, d.license.pk)
    )


def license_duties_for_company(*, company: ClientCompany | int, as_of: date) -> list[LicenseDuty]:
    """The duties of one company's licenses (the client's view; the company carries its agency)."""
    company_id = getattr(company, "pk", company)
    records = _with_relations(LicenseRecord.objects.filter(company_id=company_id))
    return sorted(
        (d for r in records for d in duties_of(r, as_of=as_of)), key=lambda d: (d.due, d.license.pk)
    )


# -- the register page ---------------------------------------------------------------------------------

STATUSES = tuple(LicenseStatus.values)


def register_rows_visible_to(
    *,
    user: Any,
    as_of: date,
    status: str = "",
    due_by: date | None = None,
    search: str = "",
    company_id: int | None = None,
) -> list[RegisterRow]:
    """The register as ``user`` may see it, each license with its status and duties on ``as_of``:
    ``status`` keeps one status; ``due_by`` keeps licenses whose next duty is due on or before it;
    ``search`` matches a company name fragment or a license number. Ordered by the next duty's due
    date (licenses without one last). Status and next duty follow from the dates and the catalog,
    so both filters are applied to the rows read: one agency's register is hundreds of rows."""
    licenses = licenses_visible_to(user=user)
    if company_id is not None:
        licenses = licenses.filter(company_id=company_id)
    search = search.strip()
    if search:
        licenses = licenses.filter(Q(company__name__icontains=search) | Q(number__icontains=search))
    rows = []
    for record in _with_relations(licenses.order_by("expires_on", "pk")):
        row = RegisterRow(record, license_status(record, as_of=as_of), duties_of(record, as_of=as_of))
        if status and row.status != status:
            continue
        if due_by is not None and (row.next_duty is None or row.next_duty.due > due_by):
            continue
        rows.append(row)
    far = date.max
    return sorted(rows, key=lambda r: (r.next_duty.due if r.next_duty else far, r.license.pk))


def register_row(record: LicenseRecord, *, as_of: date) -> RegisterRow:
    return RegisterRow(
        record,
        license_status(record, as_of=as_of),
        duties_of(record, as_of=as_of),
        licensed_services(record),
    )


def launches_by_service(record: LicenseRecord) -> dict[str, list[LaunchProof]]:
    found: dict[str, list[LaunchProof]] = defaultdict(list)
    for proof in LaunchProof.objects.filter(license_id=record.pk).order_by("occurred_on", "pk"):
        found[proof.service_id].append(proof)
    return dict(found)


def launched_services(record: LicenseRecord) -> list[LicensedService]:
    """The licensed services with at least one proof of launch: what a renewal may cover."""
    launched = set(
        LaunchProof.objects.filter(license_id=record.pk).values_list("service_id", flat=True).distinct()
    )
    return [s for s in licensed_services(record) if s.id in launched]

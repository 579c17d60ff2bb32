"""Reads of the client portal. Tenancy comes from the cases selectors (``cases_visible_to`` …); this module
adds what a client sees of a case — where it stands, what is asked of them now (computed by
:mod:`licensedesk.web.portal.asks`), the messages shared with them — and, for staff, the invitations of a
case and what the client changed since the last check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.errors import NotFound, PermissionDenied
from licensedesk.core.workflow import machine_for
from licensedesk.web.accounts.models import STAFF_ROLES, Role, User
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case, CaseCheck, ClientCompany, Note
from licensedesk.web.cases.selectors import (
    cases_visible_to,
    companies_visible_to,
    notes_visible_to,
    stage_paths,
)
from licensedesk.web.cases.services import profile_changes
from licensedesk.web.portal.asks import Ask, asks_for_cases
from licensedesk.web.portal.models import Invitation, ProfileDraft
from licensedesk.web.portal.progress import Step, steps_for
from licensedesk.web.portal.services import token_hash

# -- who may use the portal ------------------------------------------------------------------------------


def ensure_client_user(user: Any) -> None:
    """The portal's pages are for client users; staff have the case pages."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not user.is_active
        or user.role != Role.CLIENT_USER
        or user.agency_id is None
        or user.company_id is None
    ):
        raise PermissionDenied(
            "The client portal is for client users; agency staff use the case pages.",
            code="portal.clients_only",
            message_zh="客户门户仅供客户用户使用；机构员工请使用案件页面。",
        )


# -- the client's cases (what is asked of them: licensedesk.web.portal.asks, the one place) -------------


@dataclass
class PortalCase:
    case: Case
    steps: list[Step]
    stage_title_zh: str
    stage_title_en: str
    waiting_on: str  # the stage's actor: "client", "agency" or "authority"
    closed: bool
    asks: list[Ask]
    latest_check: CaseCheck | None
    notes: list[Note] = field(default_factory=list)
    license_name_zh: str = ""
    license_name_en: str = ""

    @property
    def material_asks(self) -> list[Ask]:
        return [a for a in self.asks if a.kind == "material"]

    @property
    def sign_asks(self) -> list[Ask]:
        return [a for a in self.asks if a.kind == "sign"]


def _reached(case_ids: list[int]) -> dict[int, set[str]]:
    """Stages each case has been in (moves undone left out), from the audit trail: the stepper shows
    the path the case took (one query for all cases)."""
    return {pk: set(path) for pk, path in stage_paths(case_ids).items()}


def _portal_case(
    case: Case, check: CaseCheck | None, reached: set[str] | None, asks: list[Ask]
) -> PortalCase:
    catalog = default_catalog()
    # the case type's own workflow (an annual report, a renewal … has its own stages)
    workflow = machine_for(case.license_id, case.ruleset_version, case.case_type).workflow
    stage = next(s for s in workflow.stages if s.id == case.stage)
    names = catalog.license(case.license_id).names
    return PortalCase(
        case=case,
        steps=steps_for(workflow, case.stage, reached=reached),
        stage_title_zh=stage.title.zh,
        stage_title_en=stage.title.en,
        waiting_on=stage.actor,
        closed=stage.terminal,
        asks=asks,
        latest_check=check,
        license_name_zh=names.zh,
        license_name_en=names.en,
    )


def _with_latest_check(cases: QuerySet[Case]) -> QuerySet[Case]:
    latest = CaseCheck.objects.filter(case_id=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1]
    return cases.annotate(latest_check_id=Subquery(latest))


def _build(cases: list[Case]) -> list[PortalCase]:
    check_ids = [c.latest_check_id for c in cases if c.latest_check_id]
    checks = {c.pk: c for c in CaseCheck.objects.filter(pk__in=check_ids)} if check_ids else {}
    reached = _reached([c.pk for c in cases])
    asks = asks_for_cases(cases, {c.pk: checks.get(c.latest_check_id) for c in cases})
    return [_portal_case(c, checks.get(c.latest_check_id), reached.get(c.pk), asks[c.pk]) for c in cases]


def portal_cases(*, user: Any) -> list[PortalCase]:
    """The client's cases (their company's), open ones first then newest, each with its steps and asks.
    Six queries whatever the number of cases (the cases, their latest checks, the paths they took, and
    the three of :func:`~licensedesk.web.portal.asks.asks_for_cases`)."""
    ensure_client_user(user)
    cases = list(
        _with_latest_check(cases_visible_to(user=user).select_related("company", "consultant")).order_by(
            F("closed_at").asc(nulls_first=True), "-opened_on", "-pk"
        )
    )
    return _build(cases)


def portal_case(*, user: Any, case_id: int) -> PortalCase:
    """One of the client's cases with the messages shared with them (newest first), and its license
    record when the license was issued (in the same query: the page shows its number and validity)."""
    ensure_client_user(user)
    case = (
        _with_latest_check(
            cases_visible_to(user=user).select_related("company", "consultant", "license_record")
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("No such case.", code="case.not_found", message_zh="未找到该案件。")
    [item] = _build([case])
    item.notes = list(notes_visible_to(user=user, case=case))
    return item


def portal_company(*, user: Any) -> ClientCompany:
    """The client's own company."""
    ensure_client_user(user)
    company = companies_visible_to(user=user).first()
    if company is None:  # pragma: no cover - a client user always has a company (a database constraint)
        raise NotFound("No such company.", code="company.not_found", message_zh="未找到该企业。")
    return company


def portal_license_ids(*, user: Any) -> list[str]:
    """The licenses of the client's cases (what the profile's license-specific section shows)."""
    ensure_client_user(user)
    return sorted(set(cases_visible_to(user=user).values_list("license_id", flat=True)))


def profile_drafts(*, company: ClientCompany) -> dict[str, ProfileDraft]:
    """The company's drafts by section (the caller has the company from a visibility selector)."""
    return {
        d.section: d for d in ProfileDraft.objects.filter(company_id=company.pk).select_related("updated_by")
    }


# -- invitations -----------------------------------------------------------------------------------------


def invitation_by_token(*, token: str) -> Invitation:
    """The invitation a link's token belongs to, whatever its state (the page says why it no longer works).
    Anyone holding the link may ask; an unknown token is ``invitation.not_found``."""
    invitation = (
        Invitation.objects.select_related("agency", "case", "case__company", "case__consultant", "created_by")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if invitation is None:
        raise NotFound(
            "This invitation link is not valid. Check that you opened the whole link from the email.",
            code="invitation.not_found",
            message_zh="该邀请链接无效，请确认打开的是邮件中的完整链接。",
        )
    return invitation


def invitation_has_account(*, invitation: Invitation) -> bool:
    """Whether the invited address already has an account (the accept page then asks to sign in)."""
    email = invitation.email
    return User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()


def invitations_for_case(*, user: Any, case: Case) -> QuerySet[Invitation]:
    """The case's invitations, newest first, for staff of the case's agency (nothing for anyone else)."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not user.is_active
        or user.role not in STAFF_ROLES
        or user.agency_id != case.agency_id
    ):
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(case_id=case.pk)
        .select_related("created_by", "accepted_by")
        .order_by("-created_at", "-pk")
    )


def invitation_get_for_staff(*, user: Any, invitation_id: int) -> Invitation:
    """An invitation of a case the staff member can see (NotFound otherwise, as for a missing id)."""
    invitation = (
        Invitation.objects.select_related("case", "case__company")
        .filter(pk=invitation_id, case__in=cases_visible_to(user=user))
        .first()
    )
    if invitation is None or user.role not in STAFF_ROLES:
        raise NotFound("No such invitation.", code="invitation.not_found", message_zh="未找到该邀请。")
    return invitation


# -- what the client changed since the last check --------------------------------------------------------


@dataclass(frozen=True)
class ChangedBy:
    user_id: int | None
    label: str  # display name, else the username at the time
    role: str  # the user's role now ("" for the platform)
    at: datetime

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT_USER


@dataclass(frozen=True)
class ProfileChange:
    path: str
    before: Any  # None: absent at the check
    after: Any  # None: absent now
    changed_by: tuple[ChangedBy, ...]  # each profile edit since the check that touched the path, in order


@dataclass(frozen=True)
class ProfileChanges:
    check: CaseCheck
    changes: list[ProfileChange]
    current_hash: str
    snapshot_missing: bool = False  # the check predates profile snapshots: only "changed or not" is known

    @property
    def changed(self) -> bool:
        return bool(self.changes) or (self.snapshot_missing and self.check.profile_hash != self.current_hash)


def profile_changes_since_last_check(
    *, case: Case, latest_check: CaseCheck | None = None, company: ClientCompany | None = None
) -> ProfileChanges | None:
    """The profile paths whose values differ between the profile the case's latest check ran on and the
    company's current profile, each with its value then and now and who changed it (from the audit trail:
    the ``company.profile_updated`` events after the check's own event). None if the case has no check.

    The caller has ``case`` from a visibility selector. Three queries; one when the caller already holds
    the latest check and the company (the case page does), which are then not read a second time.
    """
    check = latest_check or CaseCheck.objects.filter(case_id=case.pk).order_by("-created_at", "-pk").first()
    if check is None:
        return None
    if company is None:
        company = ClientCompany.objects.only("profile", "profile_hash").get(pk=case.company_id)
    if check.profile is None:
        return ProfileChanges(
            check=check, changes=[], snapshot_missing=True, current_hash=company.profile_hash
        )
    before, after = profile_changes(check.profile, company.profile)
    paths = list(dict.fromkeys([*after, *before]))
    if not paths:
        return ProfileChanges(check=check, changes=[], current_hash=company.profile_hash)
    check_event = (
        AuditEvent.objects.filter(
            agency_id=case.agency_id,
            action="case.check_run",
            object_type="cases.casecheck",
            object_id=str(check.pk),
        )
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    edits = AuditEvent.objects.filter(
        agency_id=case.agency_id,
        action="company.profile_updated",
        object_type="cases.clientcompany",
        object_id=str(case.company_id),
    )
    if check_event is not None:
        edits = edits.filter(seq__gt=check_event)
    else:  # a check stored without its event (imported data): fall back to time
        edits = edits.filter(occurred_at__gt=check.created_at)
    touched: dict[str, list[ChangedBy]] = {path: [] for path in paths}
    for event in edits.select_related("actor").order_by("seq"):
        who = ChangedBy(
            user_id=event.actor_id,
            label=(event.actor.display_name or event.actor_label) if event.actor else event.actor_label,
            role=event.actor.role if event.actor else "",
            at=event.occurred_at,
        )
        for path in {*(event.before or {}), *(event.after or {})}:
            for changed in paths:
                if (path == changed or path.startswith(changed + ".")) and who not in touched[changed]:
                    touched[changed].append(who)
    return ProfileChanges(
        check=check,
        changes=[ProfileChange(p, before.get(p), after.get(p), tuple(touched[p])) for p in paths],
        current_hash=company.profile_hash,
    )

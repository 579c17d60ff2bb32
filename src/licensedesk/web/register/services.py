"""Writes of the license register. Each checks the actor (agency staff; the license's agency), does its
change and records its audit event in the same transaction.

Errors: :class:`~licensedesk.core.errors.InvalidInput` naming the field (``details["field"]``),
:class:`~licensedesk.core.errors.PermissionDenied` (role or tenant).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from licensedesk.core.catalog.loader import LookupProblem, default_catalog
from licensedesk.core.deadlines import Deadline, deadline
from licensedesk.web.accounts.roles import ensure_staff
from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases.models import Case, ClientCompany, LicenseRecord, LicenseSource, LicenseStatus
from licensedesk.web.cases.services import DutyCase, case_create, license_fields_validated
from licensedesk.web.materials.services import checklist_for_case_type
from licensedesk.web.register import errors
from licensedesk.web.register.models import ChangeProposal, LaunchKind, LaunchProof, ProposalStatus
from licensedesk.web.register.selectors import (
    DUTY_CASE_TYPES,
    LicenseDuty,
    compiled_version_for,
    duties_of,
    launched_services,
    license_status,
)

ENDED_STATUSES = (LicenseStatus.REVOKED, LicenseStatus.CANCELLED)


def _clean_list(values: Iterable[str]) -> list[str]:
    """Trimmed, non-empty, first occurrence kept (websites and apps typed one a line)."""
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _checked_services(license_id: str, services: Iterable[str]) -> list[str]:
    try:
        lic = default_catalog().license(license_id)
    except LookupProblem:
        raise errors.unknown_license(license_id) from None
    known = {s.id for v in lic.versions for s in v.services}
    chosen = _clean_list(services)
    for service_id in chosen:
        if service_id not in known:
            raise errors.unknown_service(service_id, field="services")
    return chosen


def _duplicate(agency_id: int, number: str, exclude: int | None = None) -> None:
    others = LicenseRecord.objects.filter(agency_id=agency_id, number=number)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise errors.duplicate_number(number)


def license_register_manual(
    *,
    company: ClientCompany,
    license_id: str,
    number: str,
    issued_on: date,
    expires_on: date | None,
    actor: Any,
    authority: str = "",
    services: Iterable[str] = (),
    websites: Iterable[str] = (),
    apps: Iterable[str] = (),
) -> LicenseRecord:
    """Enter a license the company obtained elsewhere (no case): validated as a recorded one is (number
    covering the license's category, dates), not already in the agency's register."""
    ensure_staff(actor, company.agency_id, action="enter a license in the register")
    try:
        default_catalog().license(license_id)
    except LookupProblem:
        raise errors.unknown_license(license_id) from None
    fields = license_fields_validated(
        license_id=license_id, number=number, issued_on=issued_on, expires_on=expires_on
    )
    chosen = _checked_services(license_id, services)
    with transaction.atomic():
        _duplicate(company.agency_id, fields["number"])
        record = LicenseRecord.objects.create(
            agency_id=company.agency_id,
            company=company,
            case=None,
            source=LicenseSource.MANUAL,
            license_id=license_id,
            authority=authority.strip(),
            services=chosen,
            websites=_clean_list(websites),
            apps=_clean_list(apps),
            recorded_by=actor,
            **fields,
        )
        audit_record(
            agency=company.agency_id,
            actor=actor,
            action="license.registered",
            target=record,
            after={
                **fields,
                "company": company.pk,
                "license_id": license_id,
                "authority": record.authority,
                "services": chosen,
                "websites": record.websites,
                "apps": record.apps,
            },
        )
    return record


def license_update_coverage(
    *,
    license: LicenseRecord,
    actor: Any,
    authority: str,
    services: Iterable[str],
    websites: Iterable[str],
    apps: Iterable[str],
) -> LicenseRecord:
    """What the certificate says beyond its number and dates: the issuing authority, the services and
    the websites and apps it covers."""
    ensure_staff(actor, license.agency_id, action="edit a license in the register")
    values = {
        "authority": authority.strip(),
        "services": _checked_services(license.license_id, services),
        "websites": _clean_list(websites),
        "apps": _clean_list(apps),
    }
    before = {k: getattr(license, k) for k in values}
    if before == values:
        return license
    with transaction.atomic():
        LicenseRecord.objects.filter(pk=license.pk).update(
            version=F("version") + 1, updated_at=timezone.now(), **values
        )
        license.refresh_from_db()
        audit_record(
            agency=license.agency_id,
            actor=actor,
            action="license.details_updated",
            target=license,
            before={k: v for k, v in before.items() if v != values[k]},
            after={k: v for k, v in values.items() if v != before[k]},
        )
    return license


def license_mark_ended(
    *, license: LicenseRecord, status: str, ended_on: date, reason: str, actor: Any
) -> LicenseRecord:
    """Record that the authority revoked the license or that it was cancelled (注销), from ``ended_on``
    (not in the future, not before issue), with the reason. It then leaves every duty list."""
    ensure_staff(actor, license.agency_id, action="mark a license revoked or cancelled")
    if status not in ENDED_STATUSES:
        raise errors.end_status_invalid(status)
    if license.ended_status:
        raise errors.already_ended(license.ended_status)
    reason = reason.strip()
    if len(reason) < errors.REASON_MIN_LENGTH:
        raise errors.reason_required()
    today = timezone.localdate()
    if ended_on > today:
        raise errors.date_invalid(
            "ended_on", f"The date {ended_on} is in the future.", f"日期 {ended_on} 晚于今天。"
        )
    if ended_on < license.issued_on:
        raise errors.date_invalid(
            "ended_on",
            f"The date {ended_on} is before the issue date {license.issued_on}.",
            f"日期 {ended_on} 早于发证日期 {license.issued_on}。",
        )
    with transaction.atomic():
        before = license_status(license, as_of=today)
        LicenseRecord.objects.filter(pk=license.pk).update(
            ended_status=status,
            ended_on=ended_on,
            ended_reason=reason,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        license.refresh_from_db()
        audit_record(
            agency=license.agency_id,
            actor=actor,
            action="license.ended",
            target=license,
            before={"status": before},
            after={"status": status, "ended_on": ended_on},
            data={"reason": reason},
        )
    return license


def launch_proof_record(
    *,
    license: LicenseRecord,
    service_id: str,
    kind: str,
    occurred_on: date,
    actor: Any,
    url: str = "",
) -> LaunchProof:
    """Proof that one of the license's services was launched: its website live at ``url`` or its first
    paying customer, on a day from the issue date to today."""
    ensure_staff(actor, license.agency_id, action="record a proof of launch")
    if service_id not in license.services:
        raise errors.unknown_service(service_id)
    if kind not in LaunchKind.values:
        raise errors.date_invalid("kind", f"Unknown proof {kind!r}.", "请选择证明类型。")
    url = url.strip()
    if kind == LaunchKind.WEBSITE_LIVE and not url:
        raise errors.url_required()
    today = timezone.localdate()
    if occurred_on > today:
        raise errors.date_invalid(
            "occurred_on", f"The date {occurred_on} is in the future.", f"日期 {occurred_on} 晚于今天。"
        )
    if occurred_on < license.issued_on:
        raise errors.date_invalid(
            "occurred_on",
            f"The date {occurred_on} is before the license was issued ({license.issued_on}).",
            f"日期 {occurred_on} 早于发证日期 {license.issued_on}。",
        )
    with transaction.atomic():
        proof = LaunchProof.objects.create(
            license=license,
            service_id=service_id,
            kind=kind,
            url=url,
            occurred_on=occurred_on,
            recorded_by=actor,
        )
        audit_record(
            agency=license.agency_id,
            actor=actor,
            action="license.launch_recorded",
            target=proof,
            after={"license": license.pk, "service": service_id, "kind": kind, "url": url, "on": occurred_on},
        )
    return proof


# -- change filings proposed by a profile edit -----------------------------------------------------------


def _triggered(trigger: str, paths: Iterable[str]) -> list[str]:
    return [p for p in paths if p == trigger or p.startswith(f"{trigger}.") or p.startswith(f"{trigger}[")]


def _due(changed_on: date, timing: str, amount: int, unit: str) -> Deadline:
    """``within``: the period counted from the day after the change, a last day on a rest day moving to
    the next working day (民法典 第二百零一条, 第二百零三条; ``core.deadlines``). ``before``: the last day
    to apply in advance, ``amount`` calendar days before the change (a day before it, never moved)."""
    if timing == "within":
        return deadline(changed_on, amount, unit)
    return Deadline(changed_on - timedelta(days=amount))


def change_proposals_from_profile(
    *, company: ClientCompany, paths: list[str], actor: Any
) -> list[ChangeProposal]:
    """For each license the company holds that is still in force, each catalog change-filing rule the
    changed ``paths`` trigger becomes an open proposal (one per rule: a second edit before the filing
    adds its fields to the open one). The change is taken as made today, the day it reached the profile.
    Called by ``company_profile_update`` in its transaction (the ``profile_updated`` hook)."""
    today = timezone.localdate()
    made: list[ChangeProposal] = []
    licenses = LicenseRecord.objects.filter(company_id=company.pk).select_related("case")
    for record in licenses:
        if license_status(record, as_of=today) not in (LicenseStatus.VALID, LicenseStatus.RENEWAL_DUE):
            continue
        compiled = compiled_version_for(record)
        if compiled is None:
            continue
        for rule in compiled.version.change_filings:
            fields = sorted({p for t in rule.triggers for p in _triggered(t, paths)})
            if not fields:
                continue
            open_one = ChangeProposal.objects.filter(
                license=record, rule_id=rule.id, status=ProposalStatus.OPEN
            ).first()
            if open_one is not None:
                merged = sorted({*open_one.fields, *fields})
                if merged != open_one.fields:
                    open_one.fields = merged
                    open_one.save(update_fields=["fields"])
                made.append(open_one)
                continue
            due = _due(today, rule.timing, rule.amount, rule.unit)
            proposal = ChangeProposal.objects.create(
                license=record,
                rule_id=rule.id,
                fields=fields,
                changed_on=today,
                due_on=due.due,
                due_approximate=due.approximate,
                certainty=rule.certainty,
                proposed_by=actor,
            )
            audit_record(
                agency=record.agency_id,
                actor=actor,
                action="license.change_proposed",
                target=proposal,
                after={
                    "license": record.pk,
                    "rule": rule.id,
                    "fields": fields,
                    "due_on": proposal.due_on,
                    "certainty": rule.certainty,
                },
            )
            made.append(proposal)
    return made


def change_proposal_dismiss(*, proposal: ChangeProposal, reason: str, actor: Any) -> ChangeProposal:
    """Staff decide an edit needs no filing under this rule (a typo corrected, a change the rule does not
    cover), with the reason; the duty leaves the register."""
    ensure_staff(actor, proposal.license.agency_id, action="dismiss a proposed change filing")
    reason = reason.strip()
    if len(reason) < errors.REASON_MIN_LENGTH:
        raise errors.reason_required()
    with transaction.atomic():
        ChangeProposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.DISMISSED)
        proposal.refresh_from_db()
        audit_record(
            agency=proposal.license.agency_id,
            actor=actor,
            action="license.change_dismissed",
            target=proposal,
            before={"status": ProposalStatus.OPEN},
            after={"status": ProposalStatus.DISMISSED},
            data={"reason": reason},
        )
    return proposal


# -- cases for a license's duties (annual report, change, renewal) ------------------------------------


def duty_prefill(*, license: LicenseRecord, duty: LicenseDuty, company: ClientCompany) -> dict[str, Any]:
    """What a duty case starts with, from the license and the company profile: the license's number,
    dates, services, websites and apps; the company's name, USCC, legal representative and registered
    address; the duty's window and due date. A renewal lists only the launched services (a renewal
    covers nothing else: domain facts §1.7), and names the others; a change filing names the changed
    fields and the day of the change. Stored on the case (``duty_details``) and shown on its page."""
    profile = company.profile or {}
    facts = profile.get("company") or {}
    details: dict[str, Any] = {
        "license_number": license.number,
        "authority": license.authority,
        "issued_on": license.issued_on.isoformat(),
        "expires_on": license.expires_on.isoformat() if license.expires_on else None,
        "services": list(license.services),
        "websites": list(license.websites),
        "apps": list(license.apps),
        "company_name": company.name,
        "uscc": company.uscc,
        "legal_representative": (facts.get("legal_representative") or {}).get("name", ""),
        "registered_address": facts.get("registered_address", ""),
        "opens_on": duty.opens.isoformat() if duty.opens else None,
        "due_on": duty.due.isoformat(),
        "due_approximate": duty.approximate,
        "certainty": duty.certainty,
    }
    if duty.kind == "annual_report":
        details["report_year"] = duty.period
    elif duty.kind == "renewal":
        launched = {s.id for s in launched_services(license)}
        details["services"] = [s for s in license.services if s in launched]
        details["services_not_launched"] = [s for s in license.services if s not in launched]
    elif duty.proposal_id is not None:
        proposal = ChangeProposal.objects.get(pk=duty.proposal_id)
        details |= {"change_rule": proposal.rule_id, "changed_fields": list(proposal.fields)}
    return details


def duty_case_start(
    *, license: LicenseRecord, kind: str, period: str, actor: Any, consultant: Any = None
) -> Case:
    """Start the case for one duty of a license in the register (one click beside the duty): its
    annual report, a proposed change filing or its renewal, on the case type the catalog declares for
    it, prefilled from the license and the profile (:func:`duty_prefill`), with the case type's
    checklist, consultant ``consultant`` (the actor by default). A change proposal is marked started
    with its case. Agency staff of the license's agency; one case per duty: a duty with an open case,
    or done, is refused. Audited (the case's creation, the checklist and the start on the license) in
    one transaction."""
    ensure_staff(actor, license.agency_id, action="start a case for a license duty")
    today = timezone.localdate()
    duty = next((d for d in duties_of(license, as_of=today) if d.kind == kind and d.period == period), None)
    if duty is None:
        raise errors.duty_unknown()
    if duty.state != "todo":
        raise errors.duty_has_case(duty.case.number, done=duty.state == "done")
    case_type = DUTY_CASE_TYPES[kind]
    catalog = default_catalog()
    try:
        compiled = catalog.version_on(license.license_id, today)
    except LookupProblem:
        compiled = None
    declared = compiled.version.case_type(case_type) if compiled is not None else None
    if compiled is None or declared is None:
        names = catalog.license(license.license_id).short_names
        raise errors.duty_no_case_type(names.zh, names.en)
    company = ClientCompany.objects.get(pk=license.company_id)
    details = duty_prefill(license=license, duty=duty, company=company)
    lic = compiled.license

    def then(case: Case) -> None:
        checklist_for_case_type(case=case, lic=lic, materials=declared.materials, actor=actor)
        if duty.proposal_id is not None:
            ChangeProposal.objects.filter(pk=duty.proposal_id, status=ProposalStatus.OPEN).update(
                status=ProposalStatus.STARTED, case=case
            )
        audit_record(
            agency=license.agency_id,
            actor=actor,
            action="license.duty_case_started",
            case=case,
            target=license,
            after={"case": case.pk, "number": case.number, "kind": kind, "period": period},
        )

    # one open case per company, license and case type (an annual report case still open from last year)
    open_one = Case.objects.filter(
        company_id=license.company_id,
        license_id=license.license_id,
        case_type=case_type,
        closed_at__isnull=True,
    ).first()
    if open_one is not None:
        raise errors.duty_has_case(open_one.number, done=False)
    return case_create(
        company=company,
        license_id=license.license_id,
        actor=actor,
        consultant=consultant if consultant is not None else actor,
        opened_on=today,
        target_date=duty.due,  # the duty's due date: the board and the lists flag it as it nears
        duty=DutyCase(case_type, license, period, details, then),
    )

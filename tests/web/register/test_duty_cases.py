"""Cases for a license's duties (issue 11): the annual report, a change filing and the renewal started
from the register with one click, prefilled from the license and the profile, audited, run on their own
stages; a duty whose case is done shows it and stops reminding."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from licensedesk.core.errors import InvalidInput, PermissionDenied, WorkflowError
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case, LicenseRecord
from licensedesk.web.cases.services import case_transition
from licensedesk.web.materials.models import CaseMaterial, MaterialStatus
from licensedesk.web.register.models import ChangeProposal, ProposalStatus
from licensedesk.web.register.selectors import duties_of
from licensedesk.web.register.services import duty_case_start, launch_proof_record
from licensedesk.web.reminders.deadlines import license_duty_deadlines

from .conftest import make_license


@pytest.fixture
def held(tenant: Any) -> LicenseRecord:
    """A license issued 400 days ago for five years (so an annual report and the renewal lie ahead
    whatever day the tests run), covering two services and a website."""
    issued = timezone.localdate() - timedelta(days=400)
    record = make_license(
        tenant.company,
        number="粤B2-20240101",
        issued_on=issued,
        expires_on=issued.replace(year=issued.year + 5) - timedelta(days=1),
        recorded_by=tenant.consultant,
        services=["publishing_platform", "search_query"],
    )
    LicenseRecord.objects.filter(pk=record.pk).update(websites=["example.cn"], authority="广东省通信管理局")
    record.refresh_from_db()
    return record


def _duty(record: LicenseRecord, kind: str) -> Any:
    record = LicenseRecord.objects.get(pk=record.pk)
    return next(d for d in duties_of(record, as_of=timezone.localdate()) if d.kind == kind)


def _start(record: LicenseRecord, kind: str, actor: Any) -> Case:
    return duty_case_start(license=record, kind=kind, period=_duty(record, kind).period, actor=actor)


def test_the_annual_report_case_starts_prefilled_with_its_checklist_and_audited(
    tenant: Any, held: LicenseRecord
) -> None:
    duty = _duty(held, "annual_report")
    assert duty.state == "todo" and duty.case is None
    case = _start(held, "annual_report", tenant.consultant)
    assert (case.case_type, case.stage, case.subject_license_id) == (
        "annual_report",
        "preparing_report",
        held.pk,
    )
    assert case.duty_period == duty.period and case.consultant_id == tenant.consultant.pk
    assert case.number  # numbered like every case
    details = case.duty_details
    assert details["license_number"] == "粤B2-20240101" and details["authority"] == "广东省通信管理局"
    assert details["services"] == ["publishing_platform", "search_query"]
    assert details["websites"] == ["example.cn"] and details["report_year"] == duty.period
    assert details["company_name"] == tenant.company.name and details["uscc"] == tenant.company.uscc
    assert (
        details["legal_representative"] == tenant.company.profile["company"]["legal_representative"]["name"]
    )
    assert details["due_on"] == duty.due.isoformat()
    checklist = CaseMaterial.objects.filter(case=case).order_by("position")
    assert [(m.material_id, m.required) for m in checklist] == [
        ("operations_summary", True),
        ("business_license", True),
    ]
    created = AuditEvent.objects.get(action="case.created", case=case)
    assert created.after["case_type"] == "annual_report" and created.after["subject_license"] == held.pk
    started = AuditEvent.objects.get(action="license.duty_case_started")
    assert started.case_id == case.pk and started.actor_id == tenant.consultant.pk
    assert started.after == {
        "case": case.pk,
        "number": case.number,
        "kind": "annual_report",
        "period": duty.period,
    }
    assert AuditEvent.objects.filter(action="material.checklist_synced", case=case).count() == 1
    # the duty shows its open case; a second click is refused
    assert _duty(held, "annual_report").state == "open"
    assert _duty(held, "annual_report").case.pk == case.pk
    with pytest.raises(InvalidInput) as info:
        _start(held, "annual_report", tenant.admin)
    assert info.value.code == "register.duty_has_case"
    assert info.value.message == f"This duty already has an open case ({case.number})."


def test_another_agency_and_a_client_cannot_start_a_duty_case(
    tenant: Any, other_tenant: Any, held: LicenseRecord
) -> None:
    for actor in (other_tenant.admin, tenant.client):
        with pytest.raises(PermissionDenied):
            _start(held, "annual_report", actor)
    assert not Case.objects.filter(case_type="annual_report").exists()
    assert not AuditEvent.objects.filter(action="license.duty_case_started").exists()


def test_an_unknown_duty_is_refused(tenant: Any, held: LicenseRecord) -> None:
    with pytest.raises(InvalidInput) as info:
        duty_case_start(license=held, kind="annual_report", period="1999", actor=tenant.admin)
    assert info.value.code == "register.duty_unknown"


def test_a_license_whose_catalog_has_no_such_case_type_is_refused(tenant: Any, held: LicenseRecord) -> None:
    LicenseRecord.objects.filter(pk=held.pk).update(license_id="labour-dispatch")
    record = LicenseRecord.objects.get(pk=held.pk)
    duty = next(d for d in duties_of(record, as_of=timezone.localdate()) if d.kind == "renewal")
    with pytest.raises(InvalidInput) as info:
        duty_case_start(license=record, kind="renewal", period=duty.period, actor=tenant.admin)
    assert info.value.code == "register.duty_no_case_type"


def test_the_renewal_covers_only_the_launched_services(tenant: Any, held: LicenseRecord) -> None:
    launch_proof_record(
        license=held,
        service_id="publishing_platform",
        kind="website_live",
        url="https://example.cn",
        occurred_on=held.issued_on + timedelta(days=30),
        actor=tenant.consultant,
    )
    case = _start(held, "renewal", tenant.admin)
    assert case.case_type == "renewal" and case.stage == "collecting_materials"
    assert case.duty_details["services"] == ["publishing_platform"]
    assert case.duty_details["services_not_launched"] == ["search_query"]
    assert "launch_evidence" in set(
        CaseMaterial.objects.filter(case=case).values_list("material_id", flat=True)
    )


def test_a_change_case_starts_from_its_proposal_and_marks_it_started(
    tenant: Any, held: LicenseRecord
) -> None:
    today = timezone.localdate()
    proposal = ChangeProposal.objects.create(
        license=held,
        rule_id="registration_change",
        fields=["company.name"],
        changed_on=today,
        due_on=today + timedelta(days=30),
        certainty="S",
        proposed_by=tenant.consultant,
    )
    case = _start(held, "change_filing", tenant.admin)
    assert case.case_type == "change" and case.duty_period == f"registration_change-{proposal.pk}"
    assert case.duty_details["changed_fields"] == ["company.name"]
    proposal.refresh_from_db()
    assert (proposal.status, proposal.case_id) == (ProposalStatus.STARTED, case.pk)
    duty = _duty(held, "change_filing")  # still listed, with its case
    assert (duty.state, duty.case.pk) == ("open", case.pk)


def test_the_annual_report_case_runs_its_own_stages_and_the_duty_is_done(
    tenant: Any, held: LicenseRecord
) -> None:
    case = _start(held, "annual_report", tenant.consultant)
    today = timezone.localdate()
    key = f"license:{held.pk}:annual_report:{case.duty_period}"
    assert key in {d.key for d in license_duty_deadlines(agency=tenant.agency, today=today)}
    case = case_transition(
        case=case, to_stage="client_confirming", actor=tenant.consultant, expected_version=case.version
    )
    with pytest.raises(WorkflowError) as refused:  # the materials are not accepted yet
        case_transition(
            case=case,
            to_stage="report_submitted",
            actor=tenant.consultant,
            expected_version=case.version,
            occurred_on=today,
            reference={"report_year": case.duty_period},
        )
    assert refused.value.code == "workflow.guard_failed"
    assert "Previous year's operations (missing), Business license (missing)" in refused.value.message
    CaseMaterial.objects.filter(case=case).update(status=MaterialStatus.ACCEPTED)
    case.refresh_from_db()
    case = case_transition(
        case=case,
        to_stage="report_submitted",
        actor=tenant.consultant,
        expected_version=case.version,
        occurred_on=today,
        reference={"report_year": case.duty_period},
        confirmed=True,
    )
    assert case.stage == "report_submitted" and case.closed_at is not None
    duty = _duty(held, "annual_report")
    assert duty.state == "done" and duty.done
    # the reminders stop for the done duty, and go on for the others
    keys = {d.key for d in license_duty_deadlines(agency=tenant.agency, today=today)}
    assert key not in keys
    assert any(k.startswith(f"license:{held.pk}:renewal:") for k in keys)


def test_a_withdrawn_duty_case_leaves_the_duty_to_do(tenant: Any, held: LicenseRecord) -> None:
    case = _start(held, "annual_report", tenant.consultant)
    case_transition(
        case=case,
        to_stage="withdrawn",
        actor=tenant.consultant,
        expected_version=case.version,
        reason="客户决定自行报送",
        confirmed=True,
    )
    duty = _duty(held, "annual_report")
    assert duty.state == "todo" and duty.case.pk == case.pk
    assert _start(held, "annual_report", tenant.consultant).pk != case.pk  # and it can be started again


def test_a_license_without_a_fixed_term_is_in_the_register(tenant: Any) -> None:
    from licensedesk.web.register.selectors import license_status, register_rows_visible_to

    record = make_license(
        tenant.company,
        number="粤B2-20240202",
        issued_on=date(2024, 2, 1),
        expires_on=None,
        recorded_by=tenant.consultant,
    )
    today = timezone.localdate()
    assert license_status(record, as_of=today) == "valid"
    duties = duties_of(LicenseRecord.objects.get(pk=record.pk), as_of=today)
    assert duties and {d.kind for d in duties} == {"annual_report"}  # no renewal without an expiry
    rows = register_rows_visible_to(user=tenant.admin, as_of=today)
    assert record.pk in {r.license.pk for r in rows}


def test_a_license_with_a_fixed_term_needs_its_expiry(tenant: Any) -> None:
    from licensedesk.web.register.services import license_register_manual

    with pytest.raises(InvalidInput) as info:
        license_register_manual(
            company=tenant.company,
            license_id="icp-b25",
            number="粤B2-20240303",
            issued_on=date(2024, 3, 3),
            expires_on=None,
            actor=tenant.consultant,
        )
    assert (info.value.code, info.value.details["field"]) == ("license_record.expiry_required", "expires_on")
    assert info.value.message_zh == "请填写许可证上载明的有效期截止日。"


def test_an_icp_filing_enters_the_register_without_expiry_when_it_is_filed(tenant: Any) -> None:
    """The catalog's ``grants_number``: the filing number recorded on the move to 已备案 is the
    register's row, issued on the filing date, with no expiry and so no renewal."""
    from licensedesk.core.catalog.loader import default_catalog
    from licensedesk.web.cases.models import ClientCompany

    from ..factories import CaseFactory, ClientCompanyFactory

    company: ClientCompany = ClientCompanyFactory(agency=tenant.agency)
    version = default_catalog().license("icp-filing").versions[-1].id
    case = CaseFactory(
        company=company,
        license_id="icp-filing",
        ruleset_version=version,
        stage="with_authority",
        consultant=tenant.consultant,
    )
    today = timezone.localdate()
    case = case_transition(
        case=case,
        to_stage="filed",
        actor=tenant.consultant,
        expected_version=case.version,
        occurred_on=today,
        reference={"filing_number": "粤ICP备2026012345号"},
        confirmed=True,
    )
    record = LicenseRecord.objects.get(case=case)
    assert (record.number, record.issued_on, record.expires_on) == ("粤ICP备2026012345号", today, None)
    assert record.license_id == "icp-filing" and record.company_id == company.pk
    event = AuditEvent.objects.get(action="case.license_recorded", case=case)
    assert event.after == {
        "number": "粤ICP备2026012345号",
        "issued_on": today.isoformat(),
        "expires_on": None,
    }
    assert all(d.kind != "renewal" for d in duties_of(record, as_of=today))


def _authority_case(tenant: Any, license_id: str, stage: str) -> Any:
    from licensedesk.core.catalog.loader import default_catalog

    from ..factories import CaseFactory, ClientCompanyFactory

    return CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency),
        license_id=license_id,
        ruleset_version=default_catalog().license(license_id).versions[-1].id,
        stage=stage,
        consultant=tenant.consultant,
    )


def test_a_travel_agency_license_enters_the_register_when_it_is_issued(tenant: Any) -> None:
    """No fixed term, numbered by the tourism administration in its own format: kept as printed."""
    case = _authority_case(tenant, "travel-agency", "under_authority_review")
    today = timezone.localdate()
    case = case_transition(
        case=case,
        to_stage="licensed",
        actor=tenant.consultant,
        expected_version=case.version,
        occurred_on=today,
        reference={"license_number": "L-GD-100123"},
        confirmed=True,
    )
    record = LicenseRecord.objects.get(case=case)
    assert (record.number, record.license_id, record.expires_on) == ("L-GD-100123", "travel-agency", None)


def test_a_malformed_filing_number_is_refused_at_the_move_naming_its_field(tenant: Any) -> None:
    case = _authority_case(tenant, "icp-filing", "with_authority")
    with pytest.raises(InvalidInput) as refused:
        case_transition(
            case=case,
            to_stage="filed",
            actor=tenant.consultant,
            expected_version=case.version,
            occurred_on=timezone.localdate(),
            reference={"filing_number": "粤ICP备2024ABC号"},
            confirmed=True,
        )
    assert (refused.value.code, refused.value.details["field"]) == (
        "license_record.invalid_number",
        "filing_number",
    )
    case.refresh_from_db()
    assert case.stage == "with_authority" and not LicenseRecord.objects.filter(case=case).exists()


def _renewal_submitted(tenant: Any, held: LicenseRecord) -> Case:
    case = _start(held, "renewal", tenant.admin)
    Case.objects.filter(pk=case.pk).update(stage="renewal_submitted")
    case.refresh_from_db()
    return case


def test_a_granted_renewal_gives_the_license_its_new_expiry(tenant: Any, held: LicenseRecord) -> None:
    case = _renewal_submitted(tenant, held)
    old, new = held.expires_on, held.expires_on.replace(year=held.expires_on.year + 5)
    case_transition(
        case=case,
        to_stage="renewed",
        actor=tenant.admin,
        expected_version=case.version,
        occurred_on=timezone.localdate(),
        reference={"decision_number": "粤通许〔2026〕88号", "new_expires_on": new.isoformat()},
        confirmed=True,
    )
    held.refresh_from_db()
    assert held.expires_on == new
    event = AuditEvent.objects.get(action="license.renewed", case=case)
    assert (event.before, event.after) == ({"expires_on": old.isoformat()}, {"expires_on": new.isoformat()})
    renewal = next(d for d in duties_of(held, as_of=timezone.localdate()) if d.kind == "renewal")
    assert renewal.due > old  # the next renewal counts from the new expiry


def test_a_new_expiry_not_later_than_the_old_one_is_refused_naming_its_field(
    tenant: Any, held: LicenseRecord
) -> None:
    case = _renewal_submitted(tenant, held)
    with pytest.raises(InvalidInput) as refused:
        case_transition(
            case=case,
            to_stage="renewed",
            actor=tenant.admin,
            expected_version=case.version,
            occurred_on=timezone.localdate(),
            reference={
                "decision_number": "粤通许〔2026〕88号",
                "new_expires_on": held.expires_on.isoformat(),
            },
            confirmed=True,
        )
    assert (refused.value.code, refused.value.details) == (
        "license_record.renewal_not_later",
        {"field": "new_expires_on"},
    )
    case.refresh_from_db()
    assert case.stage == "renewal_submitted"

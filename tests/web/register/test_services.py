"""Manual entry, revocation, proofs of launch and the change filings a profile edit proposes."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from licensedesk.core.deadlines import deadline
from licensedesk.core.errors import InvalidInput, PermissionDenied
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case, LicenseRecord, LicenseSource, LicenseStatus
from licensedesk.web.cases.services import case_record_license, company_profile_update
from licensedesk.web.register.models import ChangeProposal, LaunchProof
from licensedesk.web.register.selectors import duties_of, launched_services, license_status
from licensedesk.web.register.services import (
    _due,
    change_proposal_dismiss,
    launch_proof_record,
    license_mark_ended,
    license_register_manual,
)


def _manual(tenant: Any, actor: Any, number: str = "粤B2-20240007", **extra: Any) -> LicenseRecord:
    values = {
        "company": tenant.company,
        "license_id": "icp-b25",
        "number": number,
        "issued_on": date(2024, 5, 6),
        "expires_on": date(2029, 5, 5),
        "authority": "广东省通信管理局",
        "services": ["publishing_platform"],
        "websites": ["example.cn", " example.cn ", ""],
        "actor": actor,
        **extra,
    }
    return license_register_manual(**values)


def test_a_license_entered_by_hand_joins_the_register_audited(tenant: Any) -> None:
    record = _manual(tenant, tenant.consultant, number="粤 B2－20240007")
    assert (record.source, record.case, record.number) == (LicenseSource.MANUAL, None, "粤B2-20240007")
    assert record.agency_id == tenant.agency.pk and record.websites == ["example.cn"]
    event = AuditEvent.objects.get(action="license.registered")
    assert event.after["number"] == "粤B2-20240007" and event.actor_id == tenant.consultant.pk
    assert [d.kind for d in duties_of(record, as_of=date(2025, 1, 2))][:2] == [
        "annual_report",
        "annual_report",
    ]


@pytest.mark.parametrize(
    ("number", "extra", "code", "field"),
    [
        ("ICP-123", {}, "license_record.invalid_number", "number"),
        ("粤B1-20240007", {}, "license_record.wrong_category", "number"),
        (
            "粤B2-20240007",
            {"expires_on": date(2024, 5, 6)},
            "license_record.expiry_before_issue",
            "expires_on",
        ),
        ("粤B2-20240007", {"services": ["cdn"]}, "register.unknown_service", "services"),
        ("粤B2-20240007", {"license_id": "no-such"}, "register.unknown_license", "license_id"),
    ],
)
def test_a_license_entered_by_hand_is_validated_field_by_field(
    tenant: Any, number: str, extra: dict[str, Any], code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _manual(tenant, tenant.consultant, number=number, **extra)
    assert (caught.value.code, caught.value.details["field"]) == (code, field)
    assert not LicenseRecord.objects.exists()


def test_the_same_number_cannot_be_entered_twice(tenant: Any) -> None:
    _manual(tenant, tenant.consultant)
    with pytest.raises(InvalidInput) as caught:
        _manual(tenant, tenant.admin)
    assert caught.value.message_zh == "台账中已有许可证 粤B2-20240007。"


def test_clients_and_other_agencies_cannot_enter_licenses(tenant: Any, other_tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        _manual(tenant, tenant.client)
    assert caught.value.code == "permission.wrong_role"
    with pytest.raises(PermissionDenied) as caught:
        _manual(tenant, other_tenant.admin)
    assert caught.value.code == "permission.other_tenant"


def test_revoking_a_license_ends_its_duties_audited(tenant: Any, november_license: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        license_mark_ended(
            license=november_license,
            status="revoked",
            ended_on=date(2026, 1, 5),
            reason="短",
            actor=tenant.admin,
        )
    assert caught.value.code == "register.reason_required"
    with pytest.raises(InvalidInput) as caught:
        license_mark_ended(
            license=november_license,
            status="expired",
            ended_on=date(2026, 1, 5),
            reason="通信管理局吊销",
            actor=tenant.admin,
        )
    assert caught.value.code == "register.end_status_invalid"
    license_mark_ended(
        license=november_license,
        status="revoked",
        ended_on=date(2025, 12, 5),
        reason="通信管理局因未年报吊销",
        actor=tenant.consultant,
    )
    assert license_status(november_license, as_of=date(2026, 1, 1)) == LicenseStatus.REVOKED
    assert duties_of(november_license, as_of=date(2026, 1, 1)) == []
    event = AuditEvent.objects.get(action="license.ended")
    assert event.after["status"] == "revoked" and event.data["reason"] == "通信管理局因未年报吊销"
    with pytest.raises(PermissionDenied):
        license_mark_ended(
            license=november_license,
            status="cancelled",
            ended_on=date(2026, 1, 5),
            reason="客户注销许可证",
            actor=tenant.client,
        )


def test_proofs_of_launch_date_from_the_certificate_and_feed_the_renewal(
    tenant: Any, november_license: Any
) -> None:
    with pytest.raises(InvalidInput) as caught:
        launch_proof_record(
            license=november_license,
            service_id="publishing_platform",
            kind="website_live",
            occurred_on=date(2025, 11, 19),
            url="https://example.cn",
            actor=tenant.consultant,
        )
    assert caught.value.message_zh == "日期 2025-11-19 早于发证日期 2025-11-20。"
    with pytest.raises(InvalidInput) as caught:
        launch_proof_record(
            license=november_license,
            service_id="publishing_platform",
            kind="website_live",
            occurred_on=date(2025, 12, 1),
            actor=tenant.consultant,
        )
    assert caught.value.details["field"] == "url"
    with pytest.raises(InvalidInput) as caught:
        launch_proof_record(
            license=november_license,
            service_id="community_platform",  # not on this license
            kind="first_paying_customer",
            occurred_on=date(2025, 12, 1),
            actor=tenant.consultant,
        )
    assert caught.value.code == "register.unknown_service"
    assert launched_services(november_license) == []
    launch_proof_record(
        license=november_license,
        service_id="publishing_platform",
        kind="website_live",
        occurred_on=date(2025, 12, 1),
        url="https://example.cn",
        actor=tenant.consultant,
    )
    assert [s.id for s in launched_services(november_license)] == ["publishing_platform"]
    assert LaunchProof.objects.get().recorded_by == tenant.consultant
    assert AuditEvent.objects.filter(action="license.launch_recorded").count() == 1


def _edited(company: Any, change: Any) -> dict[str, Any]:
    profile = copy.deepcopy(company.profile)
    change(profile)
    return profile


def test_a_legal_representative_change_proposes_a_filing_within_30_days(
    tenant: Any, november_license: Any
) -> None:
    def change(p: dict[str, Any]) -> None:
        p["company"]["legal_representative"]["name"] = "赵新"

    company_profile_update(
        company=tenant.company, profile=_edited(tenant.company, change), actor=tenant.consultant
    )
    today = timezone.localdate()
    proposal = ChangeProposal.objects.get()
    assert (proposal.rule_id, proposal.fields, proposal.changed_on, proposal.certainty) == (
        "registration_change",
        ["company.legal_representative.name"],
        today,
        "S",
    )
    counted = deadline(today, 30, "days")
    assert (proposal.due_on, proposal.due_approximate) == (counted.due, counted.approximate)
    duty = next(d for d in duties_of(november_license, as_of=today) if d.kind == "change_filing")
    assert (duty.due, duty.approximate) == (proposal.due_on, proposal.due_approximate)
    assert duty.citations == ("电信业务经营许可管理办法 第二十九条",)
    assert AuditEvent.objects.filter(action="license.change_proposed").count() == 1

    # a second edit before the filing adds to the open proposal, it does not make another
    def again(p: dict[str, Any]) -> None:
        p["company"]["registered_capital_cny"] = p["company"]["registered_capital_cny"] + 1_000_000

    tenant.company.refresh_from_db()
    company_profile_update(
        company=tenant.company, profile=_edited(tenant.company, again), actor=tenant.consultant
    )
    assert ChangeProposal.objects.get().fields == [
        "company.legal_representative.name",
        "company.registered_capital_cny",
    ]


def test_a_shareholder_change_keeps_both_rules_with_their_certainty(
    tenant: Any, november_license: Any
) -> None:
    def change(p: dict[str, Any]) -> None:
        p["company"]["shareholders"][0]["name"] = "新股东投资有限公司"

    company_profile_update(
        company=tenant.company, profile=_edited(tenant.company, change), actor=tenant.client
    )
    today = timezone.localdate()
    proposals = {p.rule_id: p for p in ChangeProposal.objects.all()}
    assert set(proposals) == {"operating_entity_change", "operating_entity_advance"}
    assert proposals["operating_entity_change"].certainty == "S"
    assert proposals["operating_entity_change"].due_on == deadline(today, 30, "days").due
    advance = proposals["operating_entity_advance"]
    assert (advance.certainty, advance.due_on) == ("U", today - timedelta(days=90))
    duty = next(
        d
        for d in duties_of(november_license, as_of=today)
        if d.period.startswith("operating_entity_advance-")
    )
    assert duty.uncertain and duty.note is not None and "尚无定论" in duty.note.zh


def test_edits_outside_the_license_fields_or_of_unlicensed_companies_propose_nothing(
    tenant: Any, november_license: Any
) -> None:
    def staff(p: dict[str, Any]) -> None:
        p["company"]["staff_total"] = p["company"]["staff_total"] + 1

    company_profile_update(
        company=tenant.company, profile=_edited(tenant.company, staff), actor=tenant.consultant
    )

    def name(p: dict[str, Any]) -> None:
        p["company"]["name"] = p["company"]["name"] + "（新）"

    company_profile_update(
        company=tenant.company2, profile=_edited(tenant.company2, name), actor=tenant.consultant
    )
    assert not ChangeProposal.objects.exists()


def test_a_proposal_dismissed_with_a_reason_leaves_the_duties(tenant: Any, november_license: Any) -> None:
    def change(p: dict[str, Any]) -> None:
        p["company"]["registered_address"] = p["company"]["registered_address"] + "A座"

    company_profile_update(
        company=tenant.company, profile=_edited(tenant.company, change), actor=tenant.consultant
    )
    proposal = ChangeProposal.objects.get()
    assert proposal.certainty == "U"  # the 30 days for an address are the catalog's reading, unverified
    with pytest.raises(PermissionDenied):
        change_proposal_dismiss(proposal=proposal, reason="只是更正错别字", actor=tenant.client)
    change_proposal_dismiss(proposal=proposal, reason="只是更正错别字", actor=tenant.consultant)
    assert not [
        d for d in duties_of(november_license, as_of=timezone.localdate()) if d.kind == "change_filing"
    ]


def test_a_due_date_in_a_year_without_a_holiday_arrangement_is_marked_approximate() -> None:
    assert _due(date(2040, 1, 1), "within", 30, "days").approximate
    assert not _due(date(2025, 9, 1), "within", 30, "days").approximate
    advance = _due(date(2025, 9, 1), "before", 90, "days")  # the last day to apply, 90 days ahead
    assert (advance.due, advance.approximate) == (date(2025, 6, 3), False)


def test_a_certificate_recorded_on_a_case_joins_the_register_with_its_websites(tenant: Any) -> None:

    def site(p: dict[str, Any]) -> None:
        p["service"]["websites"] = [{"domain": "yunfan.example.cn"}]
        p["service"]["apps"] = [{"name": "云帆助手"}]

    company_profile_update(
        company=tenant.company, profile=_edited(tenant.company, site), actor=tenant.consultant
    )
    Case.objects.filter(pk=tenant.case.pk).update(stage="approved")
    approved = Case.objects.get(pk=tenant.case.pk)
    record = case_record_license(
        case=approved,
        number="粤B2-20250011",
        issued_on=date(2025, 11, 20),
        expires_on=date(2030, 11, 19),
        actor=tenant.consultant,
    )
    assert (record.agency_id, record.company_id, record.license_id, record.source) == (
        tenant.agency.pk,
        tenant.company.pk,
        "icp-b25",
        LicenseSource.CASE,
    )
    assert (record.websites, record.apps) == (["yunfan.example.cn"], ["云帆助手"])
    assert not ChangeProposal.objects.exists()  # the edit came before the license

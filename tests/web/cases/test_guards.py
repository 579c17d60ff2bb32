"""Guards: each refusal says which guard failed and what is missing; providers plug in by guard id."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks

from licensedesk.core.errors import WorkflowError
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases import guards
from licensedesk.web.cases.apps import check_guards
from licensedesk.web.cases.guards import GuardOutcome, guard_provider, register_guard
from licensedesk.web.cases.models import Case
from licensedesk.web.cases.services import (
    case_override_eligibility,
    case_record_license,
    case_run_check,
    case_transition,
    company_profile_update,
)
from licensedesk.web.materials.guards import materials_accepted

from ..factories import CaseFactory, ClientCompanyFactory, incomplete_profile, not_eligible_profile

pytestmark = pytest.mark.django_db


def _case(tenant: Any, *, stage: str, consultant: Any) -> Case:
    return CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), stage=stage, consultant=consultant)


def _move(case: Case, to: str, actor: Any, reason: str = "") -> Case:
    return case_transition(
        case=case, to_stage=to, actor=actor, reason=reason, expected_version=case.version, confirmed=True
    )


def _refusal(case: Case, to: str, actor: Any) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        _move(case, to, actor)
    assert caught.value.code == "workflow.guard_failed"
    return caught.value


def test_no_check_yet(tenant: Any) -> None:
    err = _refusal(tenant.case, "contract_signed", tenant.consultant)
    assert err.message == (
        "Cannot move to Contract signed: No eligibility check has been run on this case; "
        "run one before moving to Contract signed."
    )
    assert (
        err.message_zh
        == "不能进入“已签委托合同”：本案件尚未进行资格检查，请先运行检查，再进入“已签委托合同”。"
    )
    assert err.details["failed"] == ["eligibility_eligible"]
    [guard] = err.details["guards"]
    assert guard["code"] == "guard.eligibility.no_check"
    assert guard["missing"] == ["eligibility_check"]


def test_not_eligible_names_the_unmet_conditions(tenant: Any) -> None:
    company = tenant.company
    company_profile_update(
        company=company, profile=not_eligible_profile(company.name, company.uscc), actor=tenant.consultant
    )
    check = case_run_check(case=tenant.case, actor=tenant.consultant)
    assert check.verdict == "not_eligible"
    err = _refusal(tenant.case, "contract_signed", tenant.consultant)
    [guard] = err.details["guards"]
    assert guard["code"] == "guard.eligibility.not_eligible"
    assert guard["missing"] == ["registered_capital"]
    assert guard["message"] == (
        f"The last check (rule version 2017-09-01, as of {check.as_of}) found the company not eligible; "
        "unmet: Registered capital."
    )
    assert guard["message_zh"].endswith("结论为不符合条件；未满足：注册资本。")


def test_incomplete_names_the_missing_profile_fields(tenant: Any) -> None:
    company = tenant.company
    company_profile_update(
        company=company, profile=incomplete_profile(company.name, company.uscc), actor=tenant.consultant
    )
    case_run_check(case=tenant.case, actor=tenant.consultant)
    [guard] = _refusal(tenant.case, "contract_signed", tenant.consultant).details["guards"]
    assert guard["code"] == "guard.eligibility.incomplete"
    assert guard["missing"] == ["company.registered_capital_cny"]
    # the field by the name the profile editor shows, never its path
    assert guard["message"].endswith("is incomplete; the profile lacks: Registered capital (CNY).")
    assert guard["message_zh"].endswith("结论为信息不全；企业档案缺少：注册资本（元）。")


def test_a_check_made_stale_by_a_profile_edit_is_refused(tenant: Any) -> None:
    case_run_check(case=tenant.case, actor=tenant.consultant)
    profile = dict(tenant.company.profile)
    profile["company"] = {**profile["company"], "staff_total": 30}
    company_profile_update(company=tenant.company, profile=profile, actor=tenant.consultant)
    [guard] = _refusal(tenant.case, "contract_signed", tenant.consultant).details["guards"]
    assert guard["code"] == "guard.eligibility.stale_check"
    assert "changed after the last check" in guard["message"]


def test_an_eligible_check_lets_the_case_in(tenant: Any) -> None:
    case_run_check(case=tenant.case, actor=tenant.consultant)
    case = _move(tenant.case, "contract_signed", tenant.consultant)
    assert case.stage == "contract_signed"
    event = AuditEvent.objects.filter(action="case.transitioned").get()
    assert event.data["guards"] == [{"guard": "eligibility_eligible", "passed": True}]


def test_an_admin_override_lets_a_not_eligible_case_in_and_is_audited(tenant: Any) -> None:
    company = tenant.company
    company_profile_update(
        company=company, profile=not_eligible_profile(company.name, company.uscc), actor=tenant.admin
    )
    case_run_check(case=tenant.case, actor=tenant.consultant)
    override = case_override_eligibility(
        case=tenant.case, actor=tenant.admin, reason="客户承诺下月增资至100万元"
    )
    case = _move(tenant.case, "contract_signed", tenant.consultant)
    assert case.stage == "contract_signed"
    overridden = AuditEvent.objects.get(action="case.guard_overridden")
    assert overridden.actor == tenant.admin
    assert overridden.data == {"guard": "eligibility_eligible", "reason": "客户承诺下月增资至100万元"}
    assert overridden.before["verdict"] == "not_eligible"
    moved = AuditEvent.objects.get(action="case.transitioned")
    [guard] = moved.data["guards"]
    assert guard["passed"] and guard["overridden"] and guard["override_id"] == override.pk
    assert guard["code"] == "guard.eligibility.not_eligible"  # what was overridden stays on record


def test_materials_guard_placeholder_refuses(tenant: Any) -> None:
    """The placeholder the cases app registers until the materials app plugs in its provider (the
    provider itself is tested in tests/web/materials)."""
    case = _case(tenant, stage="reviewing_materials", consultant=tenant.consultant)
    with guard_provider("materials_accepted", guards.materials_not_wired):
        err = _refusal(case, "drafting", tenant.consultant)
    [guard] = err.details["guards"]
    assert guard["code"] == "guard.materials.not_wired"
    assert guard["message"] == (
        "Leaving Reviewing materials needs every required material accepted, and material review is not "
        "available yet (no provider is registered for the guard 'materials_accepted')."
    )
    assert guard["message_zh"] == "离开“审核材料”须全部必需材料审核通过，而材料审核功能尚未接入。"
    # going back to collecting materials needs no guard
    assert _move(case, "collecting_materials", tenant.consultant).stage == "collecting_materials"


def test_a_registered_materials_provider_decides(tenant: Any) -> None:
    case = _case(tenant, stage="reviewing_materials", consultant=tenant.consultant)
    seen: list[Any] = []

    def refuse(ctx: guards.GuardContext) -> GuardOutcome:
        seen.append(ctx.case.pk)
        return GuardOutcome.refuse(
            "materials_accepted",
            code="guard.materials.not_accepted",
            message="Not accepted yet: business license.",
            message_zh="尚未通过：营业执照。",
            missing=["business_license"],
        )

    with guard_provider("materials_accepted", refuse):
        [guard] = _refusal(case, "drafting", tenant.consultant).details["guards"]
        assert guard["code"] == "guard.materials.not_accepted" and guard["missing"] == ["business_license"]
    with guard_provider("materials_accepted", lambda ctx: GuardOutcome.ok("materials_accepted")):
        assert _move(case, "drafting", tenant.consultant).stage == "drafting"
    assert seen == [case.pk]
    assert guards.registered_guard("materials_accepted").check is materials_accepted  # restored


def test_licensed_needs_a_license_record(tenant: Any) -> None:
    case = _case(tenant, stage="approved", consultant=tenant.consultant)
    [guard] = _refusal(case, "licensed", tenant.consultant).details["guards"]
    assert guard["code"] == "guard.license_record.missing"
    assert (
        guard["message"] == "Record the license (number, issue date, expiry date) before moving to Licensed."
    )
    assert guard["missing"] == [
        "license_record.number",
        "license_record.issued_on",
        "license_record.expires_on",
    ]
    case_record_license(
        case=case,
        number="粤B2-20260001",
        issued_on=case.opened_on,
        expires_on=case.opened_on.replace(year=2031),
        actor=tenant.consultant,
    )
    case = _move(case, "licensed", tenant.consultant)
    assert case.stage == "licensed" and case.closed_at is not None


def test_registering_replaces_the_placeholder_but_not_a_real_provider() -> None:
    saved = dict(guards._REGISTRY)
    try:
        guards._REGISTRY["materials_accepted"] = guards.RegisteredGuard(
            "materials_accepted", guards.materials_not_wired, placeholder=True
        )  # as it is before the materials app plugs in its provider
        provider = lambda ctx: GuardOutcome.ok("materials_accepted")  # noqa: E731
        register_guard("materials_accepted", provider)
        assert guards.registered_guard("materials_accepted").check is provider
        assert not guards.registered_guard("materials_accepted").placeholder
        with pytest.raises(ValueError, match="already has a provider"):
            register_guard("materials_accepted", provider)
    finally:
        guards._REGISTRY.clear()
        guards._REGISTRY.update(saved)


def test_system_check_flags_a_guard_without_provider() -> None:
    assert check_guards() == []
    saved = dict(guards._REGISTRY)
    try:
        del guards._REGISTRY["license_record"]
        problems = check_guards()
        assert [(p.id, p.level) for p in problems] == [("licensedesk.E010", checks.ERROR)]
        assert "license_record" in problems[0].msg
    finally:
        guards._REGISTRY.clear()
        guards._REGISTRY.update(saved)


def test_an_unregistered_guard_refuses(tenant: Any) -> None:
    case = _case(tenant, stage="approved", consultant=tenant.consultant)
    saved = dict(guards._REGISTRY)
    try:
        del guards._REGISTRY["license_record"]
        [guard] = _refusal(case, "licensed", tenant.consultant).details["guards"]
        assert guard["code"] == "guard.unregistered"
    finally:
        guards._REGISTRY.clear()
        guards._REGISTRY.update(saved)

"""Case and company services: exact error codes and messages, wrong roles, other tenants, audit rows."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from licensedesk.core.errors import ConcurrencyError, InvalidInput, PermissionDenied, WorkflowError
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case, CaseCheck, LicenseRecord, NoteVisibility
from licensedesk.web.cases.selectors import case_check_diff
from licensedesk.web.cases.services import (
    case_assign_consultant,
    case_create,
    case_override_eligibility,
    case_override_guard,
    case_record_license,
    case_run_check,
    case_set_target_date,
    case_transition,
    company_create,
    company_profile_update,
    note_create,
    profile_changes,
    task_complete,
    task_create,
)

from ..factories import (
    CaseFactory,
    ClientCompanyFactory,
    ConsultantFactory,
    eligible_profile,
    incomplete_profile,
    make_uscc,
)

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# -- companies ----------------------------------------------------------------------------------------


def test_company_create_stores_the_contract_profile_and_search_columns(tenant: Any) -> None:
    profile = eligible_profile("深圳市新星科技有限公司", make_uscc(901).lower())  # normalised like the CLI
    company = company_create(agency=tenant.agency, profile=profile, actor=tenant.consultant)
    assert company.uscc == make_uscc(901)
    assert company.profile["company"]["uscc"] == make_uscc(901)
    assert (company.name, company.province, company.entity_type) == (
        "深圳市新星科技有限公司",
        "CN-GD",
        "limited_company",
    )
    assert len(company.profile_hash) == 64
    [event] = _events("company.created")
    assert event.after["company"]["name"] == "深圳市新星科技有限公司" and event.actor == tenant.consultant


def test_company_create_rejects_an_invalid_profile_with_every_problem(tenant: Any) -> None:
    profile = eligible_profile("坏公司", "91440300MA5FXK2Q19")  # wrong check character
    profile["company"]["staff_total"] = -1
    with pytest.raises(InvalidInput) as caught:
        company_create(agency=tenant.agency, profile=profile, actor=tenant.admin)
    err = caught.value
    assert err.code == "company.profile_invalid"
    paths = {(p["path"], p["code"]) for p in err.details["problems"]}
    assert paths == {("company.uscc", "uscc.checksum"), ("company.staff_total", "greater_than_equal")}
    assert not _events("company.created")


def test_company_create_duplicate_uscc_in_the_agency(tenant: Any, other_tenant: Any) -> None:
    profile = eligible_profile("重复公司", tenant.company.uscc)
    with pytest.raises(InvalidInput) as caught:
        company_create(agency=tenant.agency, profile=profile, actor=tenant.admin)
    assert caught.value.code == "company.duplicate_uscc"
    assert (
        caught.value.message == f"Another client of this agency already has the USCC {tenant.company.uscc}."
    )
    # another agency may serve the same company
    assert company_create(agency=other_tenant.agency, profile=profile, actor=other_tenant.admin).pk


def test_company_create_roles(tenant: Any, other_tenant: Any) -> None:
    profile = eligible_profile("新公司", make_uscc(902))
    with pytest.raises(PermissionDenied) as caught:
        company_create(agency=tenant.agency, profile=profile, actor=tenant.client)
    assert caught.value.code == "permission.wrong_role"
    assert caught.value.message == (
        "Your role (client_user) may not add client companies; allowed: agency_admin, consultant."
    )
    with pytest.raises(PermissionDenied) as caught:
        company_create(agency=tenant.agency, profile=profile, actor=other_tenant.admin)
    assert caught.value.code == "permission.other_tenant"
    assert caught.value.message == "This belongs to another agency."


def test_profile_update_audits_changed_paths_before_and_after(tenant: Any) -> None:
    company = tenant.company
    profile = copy.deepcopy(company.profile)
    profile["company"]["staff_total"] = 40
    profile["company"]["city"] = "广州市"
    updated = company_profile_update(
        company=company, profile=profile, actor=tenant.client, expected_version=1
    )
    assert updated.version == 2 and updated.profile["company"]["staff_total"] == 40
    [event] = _events("company.profile_updated")
    assert event.before == {"company.staff_total": 12, "company.city": "深圳市"}
    assert event.after == {"company.staff_total": 40, "company.city": "广州市"}
    assert event.actor == tenant.client


def test_profile_update_that_changes_nothing_writes_nothing(tenant: Any) -> None:
    company_profile_update(
        company=tenant.company, profile=copy.deepcopy(tenant.company.profile), actor=tenant.admin
    )
    assert not _events("company.profile_updated")
    assert tenant.company.version == 1


def test_profile_update_stale_version(tenant: Any) -> None:
    profile = copy.deepcopy(tenant.company.profile)
    profile["company"]["staff_total"] = 41
    with pytest.raises(ConcurrencyError) as caught:
        company_profile_update(
            company=tenant.company, profile=profile, actor=tenant.admin, expected_version=7
        )
    assert caught.value.code == "company.changed"
    assert caught.value.details == {"expected_version": 7, "current_version": 1}


def test_profile_update_by_another_client_or_agency_is_refused(tenant: Any, other_tenant: Any) -> None:
    profile = copy.deepcopy(tenant.company.profile)
    for actor, code in (
        (tenant.client2, "permission.other_tenant"),
        (other_tenant.admin, "permission.other_tenant"),
    ):
        with pytest.raises(PermissionDenied) as caught:
            company_profile_update(company=tenant.company, profile=profile, actor=actor)
        assert caught.value.code == code


def test_profile_changes_handles_added_and_removed_paths() -> None:
    before, after = profile_changes({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "d": [1]}})
    assert before == {"a.c": 2}
    assert after == {"a.d": [1]}


# -- cases --------------------------------------------------------------------------------------------


def test_case_create_pins_the_rule_version_and_starts_at_the_initial_stage(tenant: Any) -> None:
    company = ClientCompanyFactory(agency=tenant.agency)
    case = case_create(
        company=company,
        license_id="icp-b25",
        actor=tenant.admin,
        consultant=tenant.consultant,
        target_date=date(2027, 3, 1),
    )
    assert (case.stage, case.ruleset_version, case.version, case.agency_id) == (
        "qualification_review",
        "2017-09-01",
        1,
        tenant.agency.pk,
    )
    [event] = _events("case.created")
    assert event.case_id == case.pk
    assert event.after == {
        "number": case.number,
        "company": company.pk,
        "license": "icp-b25",
        "ruleset_version": "2017-09-01",
        "stage": "qualification_review",
        "consultant": tenant.consultant.pk,
        "target_date": "2027-03-01",
    }


def test_case_create_refusals(tenant: Any, other_tenant: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        case_create(company=tenant.company, license_id="icp-b25", actor=tenant.admin)
    assert caught.value.code == "case.duplicate"
    assert caught.value.message == f"{tenant.company.name} already has an open case for icp-b25."
    company = ClientCompanyFactory(agency=tenant.agency)
    with pytest.raises(InvalidInput) as caught:
        case_create(company=company, license_id="nope", actor=tenant.admin)
    assert caught.value.code == "case.license_unknown"
    with pytest.raises(InvalidInput) as caught:
        case_create(
            company=company, license_id="icp-b25", actor=tenant.admin, consultant=other_tenant.consultant
        )
    assert caught.value.code == "case.consultant_invalid"
    with pytest.raises(PermissionDenied) as caught:
        case_create(company=company, license_id="icp-b25", actor=tenant.client)
    assert caught.value.code == "permission.wrong_role"
    with pytest.raises(PermissionDenied) as caught:
        case_create(company=company, license_id="icp-b25", actor=other_tenant.admin)
    assert caught.value.code == "permission.other_tenant"


def test_transition_moves_bumps_version_sets_due_date_and_audits(tenant: Any) -> None:
    case = CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency),
        stage="submitted_online",
        version=4,
        consultant=tenant.consultant,
    )
    moved = case_transition(
        case=case,
        to_stage="paper_submitted",
        actor=tenant.consultant,
        reason="已寄出",
        expected_version=4,
        reference={"courier": "顺丰速运", "tracking_number": "SF1234567890"},
    )
    assert moved.stage == "paper_submitted" and moved.version == 5
    stored = Case.objects.get(pk=case.pk)
    assert (stored.stage, stored.version) == ("paper_submitted", 5)
    assert stored.stage_due_on is not None and stored.stage_due_on > timezone.localdate()
    [event] = _events("case.transitioned")
    assert event.before == {"stage": "submitted_online", "version": 4}
    assert event.after == {"stage": "paper_submitted", "version": 5}
    today = timezone.localdate().isoformat()
    assert event.data == {
        "reason": "已寄出",
        "guards": [],
        "withdrawal": False,
        "event": {
            "kind": "paper_delivery",
            "occurred_on": today,
            "reference": {"courier": "顺丰速运", "tracking_number": "SF1234567890"},
        },
    }


def test_transition_not_declared_by_the_workflow(tenant: Any) -> None:
    with pytest.raises(WorkflowError) as caught:
        case_transition(case=tenant.case, to_stage="approved", actor=tenant.admin, expected_version=1)
    assert caught.value.code == "workflow.transition_not_allowed"
    assert not _events("case.transitioned")


def test_transition_with_a_stale_version_is_refused_and_not_audited(tenant: Any) -> None:
    Case.objects.filter(pk=tenant.case.pk).update(version=2)  # someone else moved it meanwhile
    with pytest.raises(ConcurrencyError) as caught:
        case_transition(
            case=tenant.case, to_stage="withdrawn", actor=tenant.admin, reason="x", expected_version=1
        )
    err = caught.value
    assert err.code == "case.changed"
    assert err.message == "The case was changed by someone else since you opened it; reload it and try again."
    assert err.details == {
        "expected_version": 1,
        "current_version": 2,
        "current_stage": "qualification_review",
    }
    assert not _events("case.transitioned")


def test_transition_roles(tenant: Any, other_tenant: Any) -> None:
    for actor, code in (
        (tenant.client, "permission.wrong_role"),
        (tenant.other_consultant, "permission.not_assigned"),
        (other_tenant.admin, "permission.other_tenant"),
    ):
        with pytest.raises(PermissionDenied) as caught:
            case_transition(
                case=tenant.case, to_stage="withdrawn", actor=actor, reason="x", expected_version=1
            )
        assert caught.value.code == code
    assert caught.value.http_status == 403


def test_withdrawal_needs_a_reason_and_closes_the_case(tenant: Any) -> None:
    with pytest.raises(WorkflowError) as caught:
        case_transition(case=tenant.case, to_stage="withdrawn", actor=tenant.consultant, expected_version=1)
    assert caught.value.code == "workflow.reason_required"
    with pytest.raises(WorkflowError) as caught:  # a move that ends the case is confirmed first
        case_transition(
            case=tenant.case,
            to_stage="withdrawn",
            actor=tenant.consultant,
            reason="客户放弃",
            expected_version=1,
        )
    assert caught.value.code == "workflow.confirmation_required"
    assert caught.value.message_zh == "进入“已撤回”后案件即结束，请确认。"
    assert Case.objects.get(pk=tenant.case.pk).stage == "qualification_review"
    case = case_transition(
        case=tenant.case,
        to_stage="withdrawn",
        actor=tenant.consultant,
        reason="客户放弃",
        expected_version=1,
        confirmed=True,
    )
    assert case.closed_at is not None
    with pytest.raises(WorkflowError) as caught:
        case_transition(
            case=case, to_stage="contract_signed", actor=tenant.admin, expected_version=case.version
        )
    assert caught.value.code == "workflow.terminal_stage"
    # closed: a new case for the same company and license may be opened
    assert case_create(company=tenant.company, license_id="icp-b25", actor=tenant.admin).pk != case.pk


def test_assign_consultant_and_target_date(tenant: Any) -> None:
    case = case_assign_consultant(
        case=tenant.case, consultant=tenant.other_consultant, actor=tenant.admin, expected_version=1
    )
    assert (case.consultant_id, case.version) == (tenant.other_consultant.pk, 2)
    with pytest.raises(PermissionDenied):
        case_assign_consultant(
            case=case, consultant=tenant.consultant, actor=tenant.consultant, expected_version=2
        )
    with pytest.raises(ConcurrencyError):
        case_set_target_date(
            case=case, target_date=date(2027, 1, 1), actor=tenant.consultant, expected_version=1
        )
    case = case_set_target_date(
        case=case, target_date=date(2027, 1, 1), actor=tenant.consultant, expected_version=2
    )
    assert Case.objects.get(pk=case.pk).target_date == date(2027, 1, 1)
    assert [e.action for e in AuditEvent.objects.filter(case=case).order_by("seq")] == [
        "case.consultant_assigned",
        "case.target_date_set",
    ]


# -- eligibility checks ----------------------------------------------------------------------------------


def test_run_check_stores_the_result_with_its_rule_version(tenant: Any) -> None:
    check = case_run_check(case=tenant.case, actor=tenant.consultant, as_of=date(2026, 11, 28))
    assert (check.verdict, check.ruleset_version, check.as_of) == (
        "eligible",
        "2017-09-01",
        date(2026, 11, 28),
    )
    assert check.profile_hash == tenant.company.profile_hash
    assert check.result["license"] == "icp-b25" and len(check.result["conditions"]) == 10
    [event] = _events("case.check_run")
    assert event.before is None
    assert event.after["verdict"] == "eligible" and event.after["check"] == check.pk


def test_rerun_after_a_profile_edit_shows_what_changed(tenant: Any) -> None:
    company = tenant.company
    company_profile_update(
        company=company, profile=incomplete_profile(company.name, company.uscc), actor=tenant.client
    )
    first = case_run_check(case=tenant.case, actor=tenant.consultant)
    assert case_check_diff(case=tenant.case) is None
    company_profile_update(
        company=company, profile=eligible_profile(company.name, company.uscc), actor=tenant.client
    )
    second = case_run_check(case=tenant.case, actor=tenant.consultant)
    diff = case_check_diff(case=tenant.case)
    assert (diff.verdict_before, diff.verdict_after) == ("incomplete", "eligible")
    assert [(c.id, c.status_before, c.status_after) for c in diff.conditions] == [
        ("registered_capital", "unknown", "met")
    ]
    assert first.profile_hash != second.profile_hash
    event = _events("case.check_run")[-1]
    assert event.before == {"check": first.pk, "verdict": "incomplete"}


def test_run_check_roles(tenant: Any, other_tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        case_run_check(case=tenant.case, actor=tenant.client)
    assert caught.value.code == "permission.wrong_role"
    with pytest.raises(PermissionDenied):
        case_run_check(case=tenant.case, actor=other_tenant.consultant)
    assert not CaseCheck.objects.exists()


def test_override_needs_an_admin_a_reason_and_an_overridable_guard(tenant: Any, other_tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        case_override_eligibility(case=tenant.case, actor=tenant.consultant, reason="很充分的理由")
    assert caught.value.code == "permission.wrong_role"
    with pytest.raises(PermissionDenied):
        case_override_eligibility(case=tenant.case, actor=other_tenant.admin, reason="很充分的理由")
    with pytest.raises(InvalidInput) as caught:
        case_override_eligibility(case=tenant.case, actor=tenant.admin, reason="  ok ")
    assert caught.value.code == "workflow.override_reason_required"
    assert caught.value.message == "An override needs a written reason (at least 5 characters)."
    with pytest.raises(WorkflowError) as caught:
        case_override_guard(
            case=tenant.case, guard_id="license_record", actor=tenant.admin, reason="很充分的理由"
        )
    assert caught.value.code == "workflow.guard_not_overridable"
    assert not _events("case.guard_overridden")


# -- license record ----------------------------------------------------------------------------------------


@pytest.fixture
def approved(tenant: Any) -> Case:
    return CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency), stage="approved", consultant=tenant.consultant
    )


@pytest.mark.parametrize(
    ("number", "issued", "expires", "code", "message"),
    [
        ("粤X9-20260001", 0, 1800, "license_record.invalid_number", None),
        (
            "粤B1-20260001",
            0,
            1800,
            "license_record.wrong_category",
            "The licence number 粤B1-20260001 covers B1, not B2 as icp-b25 needs.",
        ),
        ("粤B2-20260001", -3, 1800, "license_record.issued_in_future", None),
        ("粤B2-20260001", 0, 0, "license_record.expiry_before_issue", None),
    ],
)
def test_license_record_validation(
    tenant: Any, approved: Case, number: str, issued: int, expires: int, code: str, message: str | None
) -> None:
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as caught:
        case_record_license(
            case=approved,
            number=number,
            issued_on=today - timedelta(days=issued),
            expires_on=today + timedelta(days=expires),
            actor=tenant.consultant,
        )
    assert caught.value.code == code
    if message:
        assert caught.value.message == message
    assert not LicenseRecord.objects.exists()


def test_license_record_is_audited_and_can_be_corrected(tenant: Any, approved: Case) -> None:
    today = timezone.localdate()
    case_record_license(
        case=approved,
        number="粤B2-20260001",
        issued_on=today,
        expires_on=today + timedelta(days=1826),
        actor=tenant.consultant,
    )
    case_record_license(
        case=approved,
        number="粤 B2－20260002",
        issued_on=today,
        expires_on=today + timedelta(days=1826),
        actor=tenant.admin,
    )
    assert LicenseRecord.objects.get().number == "粤B2-20260002"
    events = _events("case.license_recorded")
    assert events[0].before is None
    assert events[1].before["number"] == "粤B2-20260001" and events[1].after["number"] == "粤B2-20260002"
    with pytest.raises(PermissionDenied) as caught:
        case_record_license(
            case=approved,
            number="粤B2-20260003",
            issued_on=today,
            expires_on=today + timedelta(1),
            actor=tenant.other_consultant,
        )
    assert caught.value.code == "permission.not_assigned"


# -- notes and tasks ---------------------------------------------------------------------------------------


def test_notes(tenant: Any, other_tenant: Any) -> None:
    note = note_create(
        case=tenant.case, author=tenant.client, body=" 已上传材料 ", visibility=NoteVisibility.INTERNAL
    )
    assert (note.body, note.visibility) == ("已上传材料", NoteVisibility.CLIENT)  # a client's note is shared
    internal = note_create(case=tenant.case, author=tenant.consultant, body="内部备注")
    assert internal.visibility == NoteVisibility.INTERNAL
    with pytest.raises(PermissionDenied) as caught:
        note_create(case=tenant.case, author=tenant.client2, body="x")
    assert caught.value.code == "permission.other_tenant"
    with pytest.raises(PermissionDenied):
        note_create(case=tenant.case, author=other_tenant.admin, body="x")
    with pytest.raises(InvalidInput) as caught:
        note_create(case=tenant.case, author=tenant.consultant, body="   ")
    assert caught.value.code == "note.body_invalid"
    assert len(_events("note.created")) == 2


def test_tasks(tenant: Any, other_tenant: Any) -> None:
    task = task_create(
        case=tenant.case, actor=tenant.consultant, title="催收材料", assignee=tenant.other_consultant
    )
    with pytest.raises(InvalidInput) as caught:
        task_create(case=tenant.case, actor=tenant.consultant, title="x", assignee=other_tenant.consultant)
    assert caught.value.code == "task.assignee_invalid"
    with pytest.raises(InvalidInput):
        task_create(case=tenant.case, actor=tenant.consultant, title="x", assignee=tenant.client)
    with pytest.raises(PermissionDenied):
        task_create(case=tenant.case, actor=tenant.client, title="x")
    with pytest.raises(PermissionDenied):
        task_complete(task=task, actor=other_tenant.admin)
    done = task_complete(task=task, actor=tenant.other_consultant)
    assert done.done_at is not None
    task_complete(task=task, actor=tenant.admin)  # already done: nothing more
    assert [e.action for e in AuditEvent.objects.filter(case=tenant.case).order_by("seq")] == [
        "task.created",
        "task.completed",
    ]


def test_inactive_consultant_cannot_act(tenant: Any) -> None:
    ghost = ConsultantFactory(agency=tenant.agency, is_active=False)
    with pytest.raises(PermissionDenied) as caught:
        case_run_check(case=tenant.case, actor=ghost)
    assert caught.value.code == "permission.not_signed_in"

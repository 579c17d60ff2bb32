"""Dated events with the authority recorded with stage moves, the confirmation of moves that end a case,
the admin's undo of the last move, and the stepper drawn from the path the case took (issue 10, 6–7)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licensedesk.core.errors import ConcurrencyError, InvalidInput, PermissionDenied, WorkflowError
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.display import stage_steps
from licensedesk.web.cases.models import Case, CaseEvent
from licensedesk.web.cases.selectors import case_events_for, case_stage_path, last_move
from licensedesk.web.cases.services import case_create, case_transition, case_undo_move

from ..factories import CaseFactory, ClientCompanyFactory

pytestmark = pytest.mark.django_db


def _case(tenant: Any, stage: str) -> Case:
    return CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency), stage=stage, consultant=tenant.consultant
    )


def _move(case: Case, to: str, actor: Any, **kwargs: Any) -> Case:
    return case_transition(case=case, to_stage=to, actor=actor, expected_version=case.version, **kwargs)


def _submit(case: Case, actor: Any, day: Any, receipt: str = "ICP-2026-000123") -> Case:
    return _move(case, "submitted_online", actor, occurred_on=day, reference={"receipt_number": receipt})


def test_online_submission_records_its_date_and_receipt_number_with_the_move(tenant: Any) -> None:
    case = _case(tenant, "drafting")
    day = timezone.localdate() - timedelta(days=2)
    _submit(case, tenant.consultant, day)
    [event] = case_events_for(case)
    assert (event.kind, event.occurred_on, event.reference) == (
        "online_submission",
        day,
        {"receipt_number": "ICP-2026-000123"},
    )
    assert (event.from_stage, event.to_stage, event.recorded_by) == (
        "drafting",
        "submitted_online",
        tenant.consultant,
    )
    audit = AuditEvent.objects.get(action="case.transitioned")
    assert event.audit_event == audit and audit.data["event"]["occurred_on"] == day.isoformat()


def test_an_event_dated_in_the_future_is_refused_with_nothing_written(tenant: Any) -> None:
    case = _case(tenant, "drafting")
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    with pytest.raises(InvalidInput) as caught:
        _submit(case, tenant.consultant, tomorrow)
    assert caught.value.code == "event.invalid"
    assert caught.value.message_zh == f"提交日期（{tomorrow}）不能晚于今天（{today}）。"
    assert caught.value.details["fields"] == {
        "occurred_on": f"提交日期（{tomorrow}）不能晚于今天（{today}）。"
    }
    assert Case.objects.get(pk=case.pk).stage == "drafting"
    assert not CaseEvent.objects.exists() and not AuditEvent.objects.exists()


def test_an_event_dated_before_the_previous_one_is_refused(tenant: Any) -> None:
    case = _case(tenant, "drafting")
    today = timezone.localdate()
    _submit(case, tenant.consultant, today - timedelta(days=3))
    earlier = today - timedelta(days=5)
    with pytest.raises(InvalidInput) as caught:
        _move(
            case,
            "paper_submitted",
            tenant.consultant,
            occurred_on=earlier,
            reference={"courier": "顺丰速运", "tracking_number": "SF1"},
        )
    assert caught.value.message_zh == (
        f"递交日期（{earlier}）不能早于上一事件“在线提交申请”的日期（{today - timedelta(days=3)}）。"
    )
    same_day = _move(
        case,
        "paper_submitted",
        tenant.consultant,
        occurred_on=today - timedelta(days=3),
        reference={"courier": "顺丰速运"},
    )
    assert same_day.stage == "paper_submitted"  # the same day is fine; the tracking number is optional


def test_references_are_required_as_the_catalog_declares(tenant: Any) -> None:
    case = _case(tenant, "under_authority_review")
    with pytest.raises(InvalidInput) as caught:
        _move(case, "correction_requested", tenant.consultant, reference={"items": "  "})
    assert caught.value.message_zh == "请填写补正内容。请填写补正期限。"
    assert set(caught.value.details["fields"]) == {"items", "due_on"}
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as caught:
        _move(
            case,
            "correction_requested",
            tenant.consultant,
            reference={"items": "补充机房租赁合同", "due_on": (today - timedelta(days=1)).isoformat()},
        )
    assert caught.value.details["fields"] == {
        "due_on": f"补正期限（{today - timedelta(days=1)}）不能早于补正通知日期（{today}）。"
    }
    with pytest.raises(InvalidInput) as caught:
        _move(
            case,
            "rejected",
            tenant.consultant,
            confirmed=True,
            reference={"decision_number": "粤通许〔2026〕1号"},
        )
    assert caught.value.details["fields"] == {"reason": "请填写不予许可理由。"}
    moved = _move(
        case,
        "correction_requested",
        tenant.consultant,
        reference={"items": "补充机房租赁合同", "due_on": (today + timedelta(days=10)).isoformat()},
    )
    assert moved.stage == "correction_requested"
    assert case_events_for(case).get().reference["due_on"] == (today + timedelta(days=10)).isoformat()


def test_a_move_that_ends_the_case_needs_a_confirmation(tenant: Any) -> None:
    case = _case(tenant, "under_authority_review")
    reference = {"decision_number": "粤通许〔2026〕9号", "reason": "未提交机房证明"}
    with pytest.raises(WorkflowError) as caught:
        _move(case, "rejected", tenant.consultant, reference=reference)
    assert caught.value.code == "workflow.confirmation_required"
    assert caught.value.message_zh == "进入“不予许可”后案件即结束，请确认。"
    assert Case.objects.get(pk=case.pk).closed_at is None and not CaseEvent.objects.exists()
    closed = _move(case, "rejected", tenant.consultant, reference=reference, confirmed=True)
    assert closed.closed_at is not None
    assert case_events_for(case).get().kind == "refusal_decision"


def test_an_admin_undoes_the_last_move_and_history_keeps_both(tenant: Any) -> None:
    case = _case(tenant, "drafting")
    _submit(case, tenant.consultant, timezone.localdate())
    [submission] = case_events_for(case)
    undone = case_undo_move(
        case=case, actor=tenant.admin, reason="误点了在线提交", expected_version=case.version
    )
    assert undone.stage == "drafting" and Case.objects.get(pk=case.pk).stage == "drafting"
    undo = AuditEvent.objects.get(action="case.move_undone")
    assert undo.before["stage"] == "submitted_online" and undo.after["stage"] == "drafting"
    assert undo.data["reason"] == "误点了在线提交"
    assert AuditEvent.objects.filter(action="case.transitioned").count() == 1  # the move is still there
    assert CaseEvent.objects.get(kind="move_undone").undoes == submission
    assert list(case_events_for(case)) == []  # the undone submission no longer stands
    assert len(case_events_for(case, include_undone=True)) == 2
    assert case_stage_path(case) == ["drafting"] and last_move(case) is None
    with pytest.raises(WorkflowError) as caught:  # nothing left to undo
        case_undo_move(case=case, actor=tenant.admin, reason="再撤销一次", expected_version=case.version)
    assert caught.value.code == "workflow.nothing_to_undo"
    _submit(case, tenant.consultant, timezone.localdate(), receipt="ICP-2026-000124")  # submitted again
    assert case_events_for(case).get().reference == {"receipt_number": "ICP-2026-000124"}


def test_an_undo_reopens_a_case_closed_by_mistake(tenant: Any) -> None:
    case = _move(tenant.case, "withdrawn", tenant.consultant, reason="点错了", confirmed=True)
    assert case.closed_at is not None
    reopened = case_undo_move(
        case=case, actor=tenant.admin, reason="误撤回，客户仍要申请", expected_version=case.version
    )
    assert reopened.stage == "qualification_review" and Case.objects.get(pk=case.pk).closed_at is None


def test_a_consultant_cannot_undo_and_a_stale_version_is_refused(tenant: Any, other_tenant: Any) -> None:
    case = _case(tenant, "drafting")
    _submit(case, tenant.consultant, timezone.localdate())
    with pytest.raises(PermissionDenied):
        case_undo_move(
            case=case, actor=tenant.consultant, reason="误点了在线提交", expected_version=case.version
        )
    with pytest.raises(PermissionDenied):  # another agency's admin
        case_undo_move(
            case=case, actor=other_tenant.admin, reason="误点了在线提交", expected_version=case.version
        )
    with pytest.raises(InvalidInput) as caught:
        case_undo_move(case=case, actor=tenant.admin, reason="误", expected_version=case.version)
    assert caught.value.message_zh == "撤销阶段变更须填写原因（至少 5 个字）。"
    with pytest.raises(ConcurrencyError):
        case_undo_move(
            case=case, actor=tenant.admin, reason="误点了在线提交", expected_version=case.version - 1
        )
    assert Case.objects.get(pk=case.pk).stage == "submitted_online"
    assert not AuditEvent.objects.filter(action="case.move_undone").exists()


# -- the stepper: the path the case took ---------------------------------------------------------------


def _states(case: Case) -> dict[str, str]:
    return {s.stage: s.state for s in stage_steps(case, "zh", reached=case_stage_path(case))}


def test_a_case_withdrawn_during_qualification_ticks_only_what_it_reached(tenant: Any) -> None:
    case = case_create(
        company=ClientCompanyFactory(agency=tenant.agency), license_id="icp-b25", actor=tenant.admin
    )
    _move(case, "withdrawn", tenant.admin, reason="客户决定暂不增资", confirmed=True)
    states = _states(case)
    assert states["qualification_review"] == "done" and states["withdrawn"] == "current"
    assert {states[s] for s in ("contract_signed", "collecting_materials", "drafting", "approved")} == {
        "skipped"
    }
    assert "licensed" not in states and "correction_requested" not in states


def test_a_licensed_case_without_a_correction_does_not_show_one(tenant: Any) -> None:
    case = _case(tenant, "under_authority_review")
    _move(case, "approved", tenant.consultant, reference={"decision_number": "粤B2-20260001"})
    states = _states(case)
    assert "correction_requested" not in states
    assert states["under_authority_review"] == "done" and states["approved"] == "current"
    assert states["qualification_review"] == "done"  # before the recorded trail: taken as done


def test_a_case_that_had_a_correction_shows_it_ticked(tenant: Any) -> None:
    case = _case(tenant, "under_authority_review")
    due = (timezone.localdate() + timedelta(days=15)).isoformat()
    _move(case, "correction_requested", tenant.consultant, reference={"items": "补充材料", "due_on": due})
    assert _states(case)["correction_requested"] == "current"
    _move(case, "under_authority_review", tenant.consultant)
    _move(case, "approved", tenant.consultant, reference={"decision_number": "粤通许〔2026〕3号"})
    states = _states(case)
    assert states["correction_requested"] == "done" and states["approved"] == "current"
    assert [s.title for s in stage_steps(case, "zh", reached=case_stage_path(case))][-4:] == [
        "通信管理局审查中",
        "待补正",
        "已批准",
        "已领证",
    ]


# -- the screens ------------------------------------------------------------------------------------------


def test_the_move_form_asks_for_the_date_and_reference_and_shows_refusals_at_the_field(tenant: Any) -> None:
    case = _case(tenant, "drafting")
    client = Client()
    client.force_login(tenant.consultant)
    url = reverse("cases:move", kwargs={"pk": case.pk})
    page = client.get(reverse("cases:detail", kwargs={"pk": case.pk})).content.decode()
    assert "在线提交申请" in page and "系统受理编号" in page and "提交日期" in page
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = {"version": case.version, "to_stage": "submitted_online", "occurred_on": tomorrow.isoformat()}
    refused = client.post(url, {**data, "ref_receipt_number": ""})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "不能晚于今天" in html[html.index('id="move-submitted_online-occurred_on_error"') :][:200]
    assert (
        "请填写系统受理编号。"
        in html[html.index('id="move-submitted_online-ref_receipt_number_error"') :][:200]
    )
    today = timezone.localdate()
    done = client.post(url, {**data, "occurred_on": today.isoformat(), "ref_receipt_number": "A-77"})
    assert done.status_code == 302
    timeline = client.get(reverse("cases:detail", kwargs={"pk": case.pk})).content.decode()
    assert f"在线提交申请 {today} · 系统受理编号：A-77" in timeline
    data = client.get(reverse("cases:detail", kwargs={"pk": case.pk}), {"format": "json"}).json()
    assert data["events"] == [
        {
            "kind": "online_submission",
            "occurred_on": today.isoformat(),
            "from_stage": "drafting",
            "to_stage": "submitted_online",
            "reference": {"receipt_number": "A-77"},
        }
    ]


def test_only_an_admin_sees_and_may_use_the_undo(tenant: Any, other_tenant: Any) -> None:
    case = _case(tenant, "drafting")
    _submit(case, tenant.consultant, timezone.localdate())
    url = reverse("cases:undo_move", kwargs={"pk": case.pk})
    detail = reverse("cases:detail", kwargs={"pk": case.pk})
    consultant, admin, stranger = Client(), Client(), Client()
    consultant.force_login(tenant.consultant)
    admin.force_login(tenant.admin)
    stranger.force_login(other_tenant.admin)
    assert 'data-testid="undo-form"' not in consultant.get(detail).content.decode()
    assert consultant.post(url, {"version": case.version, "reason": "误点了在线提交"}).status_code == 403
    assert stranger.post(url, {"version": case.version, "reason": "误点了在线提交"}).status_code == 404
    page = admin.get(detail).content.decode()
    assert "撤销：回到“编制申请文件”" in page
    assert admin.post(url, {"version": case.version, "reason": "误点了在线提交"}).status_code == 302
    assert Case.objects.get(pk=case.pk).stage == "drafting"
    after = admin.get(detail).content.decode()
    # the timeline keeps the move and tells its undo with the reason
    assert "撤销了从“编制申请文件”到“已在线提交”的阶段变更，案件回到“编制申请文件”" in after
    assert "误点了在线提交" in after and "在线提交申请" in after
    assert 'data-testid="undo-form"' not in after  # nothing more to undo

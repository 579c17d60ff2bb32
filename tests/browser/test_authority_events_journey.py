"""Issue 10, items 6–7 in real Chromium: a consultant records the online submission (date and system
receipt number), the paper delivery and the acceptance notice on the case page and reads them on the
timeline; the agency admin undoes the last move with a reason and the stepper and timeline say so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from licensedesk.core.deadlines import add_period
from licensedesk.web.accounts.models import User
from licensedesk.web.cases.models import Case, CaseEvent
from licensedesk.web.cases.services import case_create
from web import factories as f

from .conftest import screenshot
from .steps import sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)


def _move(page: Any, to: str, stage_zh: str, fields: dict[str, str]) -> None:
    option = page.get_by_test_id(f"move-option-{to}")
    if not option.get_by_test_id(f"move-event-{to}").is_visible():
        option.get_by_test_id(f"move-open-{to}").click()  # the event's form opens under its button
    for name, value in fields.items():
        option.get_by_test_id(f"move-{to}-{name}").fill(value)
    option.get_by_test_id(f"move-{to}").click()
    expect(page.get_by_test_id("case-stage")).to_have_text(stage_zh)


def test_consultant_records_the_authority_dates_and_the_admin_undoes_a_move(new_page: Any) -> None:
    agency = f.AgencyFactory(name="鹏程代理")
    consultant = f.ConsultantFactory(agency=agency, username="wang")
    f.AdminFactory(agency=agency, username="boss")
    case = f.CaseFactory(
        company=f.ClientCompanyFactory(agency=agency), stage="drafting", consultant=consultant
    )
    today = timezone.localdate()
    submitted, delivered = today - timedelta(days=6), today - timedelta(days=5)

    page = new_page()
    sign_in(page, "wang")
    page.goto(f"/cases/{case.pk}/")
    page.get_by_test_id("move-open-submitted_online").click()
    submission = page.get_by_test_id("move-event-submitted_online")
    expect(submission).to_contain_text("在线提交申请")
    expect(submission).to_contain_text("系统受理编号")
    # a date in the future cannot be chosen (the field's maximum is today; the server refuses it too)
    tomorrow = (today + timedelta(days=1)).isoformat()
    date_field = page.get_by_test_id("move-submitted_online-occurred-on")
    expect(date_field).to_have_value(today.isoformat())  # default: today in China
    date_field.fill(tomorrow)
    page.get_by_test_id("move-submitted_online-receipt_number").fill("YW-2026-0815")
    page.get_by_test_id("move-submitted_online").click()
    assert date_field.evaluate("el => el.validity.rangeOverflow")
    expect(page.get_by_test_id("case-stage")).to_have_text("编制申请文件")
    _move(page, "submitted_online", "已在线提交", {"occurred-on": submitted.isoformat()})
    _move(
        page,
        "paper_submitted",
        "已递交纸质材料",
        {"occurred-on": delivered.isoformat(), "courier": "顺丰速运", "tracking_number": "SF1402936571"},
    )
    _move(page, "under_authority_review", "通信管理局审查中", {"notice_number": "粤通受〔2026〕0815号"})
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text(f"在线提交申请 {submitted} · 系统受理编号：YW-2026-0815")
    expect(timeline).to_contain_text(
        f"递交纸质材料 {delivered} · 快递公司（或“现场递交”）：顺丰速运 · 快递单号：SF1402936571"
    )
    expect(timeline).to_contain_text(f"通信管理局受理 {today} · 受理通知书编号：粤通受〔2026〕0815号")
    expect(page.get_by_test_id("undo-form")).to_have_count(0)  # a consultant cannot undo
    screenshot(page, "P3-consultant-authority-events")
    assert [e.kind for e in CaseEvent.objects.filter(case=case)] == [
        "online_submission",
        "paper_delivery",
        "acceptance_notice",
    ]
    sign_out(page)

    sign_in(page, "boss")
    page.goto(f"/cases/{case.pk}/")
    undo = page.get_by_test_id("undo-form")
    expect(undo).to_contain_text("案件已从“已递交纸质材料”变更为“通信管理局审查中”")
    undo.get_by_test_id("undo-reason").fill("受理通知书尚未收到，误点")
    undo.get_by_test_id("undo-submit").click()
    expect(page.get_by_test_id("case-stage")).to_have_text("已递交纸质材料")
    expect(page.get_by_test_id("case-notice")).to_have_text("已撤销阶段变更：案件回到“已递交纸质材料”")
    # the statutory time limit of the restored stage counts from the delivery date recorded
    assert Case.objects.get(pk=case.pk).stage_due_on == add_period(delivered, 5, "working_days")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text(
        "撤销了从“已递交纸质材料”到“通信管理局审查中”的阶段变更，案件回到“已递交纸质材料”"
    )
    expect(timeline).to_contain_text("受理通知书尚未收到，误点")
    expect(timeline).to_contain_text("通信管理局受理")  # the move itself stays in the history
    review = page.locator('[data-testid="step"][data-stage="under_authority_review"]')
    expect(review).to_have_attribute("data-state", "todo")
    screenshot(page, "P3-admin-undo")
    assert Case.objects.get(pk=case.pk).stage == "paper_submitted"


def test_the_steppers_show_where_a_withdrawn_case_stopped(new_page: Any) -> None:
    """The demo's 博远 case was withdrawn during qualification: staff and client see it stop there, with
    none of the later stages ticked."""
    agency = f.AgencyFactory(name="鹏程代理")
    f.AdminFactory(agency=agency, username="boss")
    company = f.ClientCompanyFactory(agency=agency)
    f.ClientUserFactory(agency=agency, company=company, username="boyuan")
    case = case_create(company=company, license_id="icp-b25", actor=User.objects.get(username="boss"))
    page = new_page()
    sign_in(page, "boss")
    page.goto(f"/cases/{case.pk}/")
    page.get_by_test_id("move-reason").fill("客户决定暂不增资，撤回申请。")
    page.get_by_test_id("move-withdrawn").click()
    confirm = page.get_by_test_id("confirm-withdrawn")  # ending the case is confirmed in a second step
    expect(confirm).to_contain_text("进入“已撤回”后案件即结束，请确认。")
    expect(page.get_by_test_id("case-stage")).to_have_text("资质审核")
    screenshot(page, "P3-admin-confirm-withdrawal")
    confirm.get_by_test_id("confirm-move-withdrawn").click()
    expect(page.get_by_test_id("case-stage")).to_have_text("已撤回")
    steps = page.get_by_test_id("steps")
    expect(steps.locator('[data-state="done"]')).to_contain_text(["资质审核"])  # the only one ticked
    expect(steps.locator('[data-state="current"]')).to_have_text("已撤回")
    expect(steps.locator('[data-stage="approved"]')).to_have_attribute("data-state", "skipped")
    assert "未进行" in steps.locator('[data-stage="approved"]').text_content()  # read out to screen readers
    expect(steps).not_to_contain_text("待补正")
    screenshot(page, "P3-staff-withdrawn-stepper")
    sign_out(page)
    sign_in(page, "boyuan")
    page.goto(f"/portal/cases/{case.pk}/")
    portal_steps = page.get_by_test_id("portal-steps").first
    expect(portal_steps.locator('[data-state="done"]')).to_have_count(1)
    expect(portal_steps.locator('[data-stage="contract_signed"]')).to_have_attribute("data-state", "skipped")
    expect(portal_steps).not_to_contain_text("待补正")
    screenshot(page, "P3-client-withdrawn-stepper")

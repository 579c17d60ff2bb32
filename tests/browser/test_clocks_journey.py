"""Issue 11, the statutory clocks in Chromium: a consultant records the receipt (paper delivery), the
acceptance notice, a correction request and its resubmission, the decision and the certificate, and sees
the right clocks on the case page at each step (acceptance, decision with its practice twin, correction,
certificate), the board's and the list's flags; the client sees only the correction due date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from licensedesk.core.deadlines import add_period
from licensedesk.web.cases.models import Case
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


def _clock(page: Any, testid: str) -> Any:
    return page.get_by_test_id(testid)


def test_the_consultant_sees_the_right_clocks_at_each_step(new_page: Any) -> None:
    agency = f.AgencyFactory(name="鹏程代理")
    consultant = f.ConsultantFactory(agency=agency, username="wang")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆网络科技有限公司")
    f.ClientUserFactory(agency=agency, company=company, username="yunfan")
    case = f.CaseFactory(company=company, stage="submitted_online", consultant=consultant)
    today = timezone.localdate()
    delivered, accepted = today - timedelta(days=10), today - timedelta(days=8)
    corrected, resubmitted, decided = (
        today - timedelta(days=6),
        today - timedelta(days=3),
        today - timedelta(days=1),
    )
    correction_due = today + timedelta(days=10)

    page = new_page()
    sign_in(page, "wang")
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_test_id("no-clocks")).to_be_visible()  # nothing counts before the receipt

    # receipt: the acceptance (5 working days) and decision (60 days) clocks start
    _move(
        page,
        "paper_submitted",
        "已递交纸质材料",
        {"occurred-on": delivered.isoformat(), "courier": "顺丰速运"},
    )
    acceptance = _clock(page, "clock-acceptance")
    expect(acceptance).to_have_attribute("data-state", "running")
    expect(acceptance).to_contain_text(f"届满日 {add_period(delivered, 5, 'working_days')}")
    expect(acceptance).to_contain_text("依据：中华人民共和国行政许可法 第三十二条")
    decision = _clock(page, "clock-decision")
    expect(decision).to_contain_text(f"届满日 {add_period(delivered, 60, 'days')}")
    expect(_clock(page, "clock-decision-practice")).to_have_count(0)  # no acceptance notice yet

    # the acceptance notice meets the acceptance clock and starts the practice decision clock
    _move(
        page,
        "under_authority_review",
        "通信管理局审查中",
        {"occurred-on": accepted.isoformat(), "notice_number": "粤通受〔2026〕0815号"},
    )
    expect(_clock(page, "clock-acceptance")).to_have_attribute("data-state", "met")
    expect(_clock(page, "clock-acceptance")).to_contain_text(f"已于 {accepted} 完成")
    expect(_clock(page, "clock-decision")).to_have_attribute("data-state", "running")
    practice = _clock(page, "clock-decision-practice")
    expect(practice).to_contain_text("决定期限（实务）")
    expect(practice).to_contain_text(f"届满日 {add_period(accepted, 60, 'days')}")
    expect(practice).to_contain_text("实务做法：自“通信管理局受理”起算；法规规定自“递交纸质材料”起算。")
    screenshot(page, "11a-case-under-review")

    # a correction request stops the decision clocks and starts the client's correction clock
    _move(
        page,
        "correction_requested",
        "待补正",
        {
            "occurred-on": corrected.isoformat(),
            "items": "补充机房租赁合同",
            "due_on": correction_due.isoformat(),
        },
    )
    expect(_clock(page, "clock-decision")).to_have_attribute("data-state", "stopped")
    expect(_clock(page, "clock-decision")).to_contain_text(f"已于 {corrected} 停止计算")
    correction = _clock(page, "clock-correction")
    expect(correction).to_have_attribute("data-state", "running")
    expect(correction).to_contain_text(f"届满日 {correction_due}")
    expect(correction).to_contain_text("还剩 10 日")
    screenshot(page, "11a-case-correction")

    # the board and the list show the correction's due date as the case's statutory due date
    page.goto("/cases/board/?license=icp-b25")
    expect(page.get_by_test_id(f"due-{case.pk}")).to_have_text(f"法定期限 {correction_due}")
    screenshot(page, "11a-board")
    page.goto("/cases/?sort=due")
    expect(page.get_by_test_id(f"case-due-{case.pk}")).to_contain_text(f"法定期限 {correction_due}")
    screenshot(page, "11a-list-by-due")
    sign_out(page)

    # the client sees the correction due date, and none of the agency's working detail
    sign_in(page, "yunfan")
    page.goto(f"/portal/cases/{case.pk}/")
    expect(page.get_by_test_id("portal-clock-correction")).to_contain_text(
        f"补正期限：许可机关通知所定期限为 {correction_due} · 还剩 10 日"
    )
    expect(page.get_by_test_id("portal-case")).not_to_contain_text("决定期限")
    screenshot(page, "11a-portal-correction")
    sign_out(page)

    # the resubmission meets the correction clock and the decision counts anew from it
    sign_in(page, "wang")
    page.goto(f"/cases/{case.pk}/")
    _move(page, "under_authority_review", "通信管理局审查中", {"occurred-on": resubmitted.isoformat()})
    expect(_clock(page, "clock-correction")).to_have_attribute("data-state", "met")
    expect(_clock(page, "clock-decision")).to_have_attribute("data-state", "running")
    expect(_clock(page, "clock-decision")).to_contain_text(f"届满日 {add_period(resubmitted, 60, 'days')}")

    # the decision meets the decision clocks and starts the certificate clock
    _move(
        page,
        "approved",
        "已批准",
        {"occurred-on": decided.isoformat(), "decision_number": "粤通许〔2026〕0815号"},
    )
    expect(_clock(page, "clock-decision")).to_have_attribute("data-state", "met")
    certificate = _clock(page, "clock-certificate_issuance")
    expect(certificate).to_have_attribute("data-state", "running")
    expect(certificate).to_contain_text(f"届满日 {add_period(decided, 10, 'days')}")
    expect(certificate).to_contain_text("依据：中华人民共和国行政许可法 第四十四条")
    screenshot(page, "11a-case-approved")

    # the certificate: the license is recorded and the case closed as licensed
    form = page.get_by_test_id("license-form")
    form.get_by_test_id("license-number").fill("粤B2-20260815")
    form.get_by_test_id("license-issued-on").fill(today.isoformat())
    form.get_by_test_id("license-expires-on").fill((today + timedelta(days=5 * 365)).isoformat())
    form.get_by_test_id("license-submit").click()
    expect(page.get_by_test_id("license-number-shown")).to_contain_text("粤B2-20260815")
    page.get_by_test_id("move-licensed").click()
    page.get_by_test_id("confirm-move-licensed").click()
    expect(page.get_by_test_id("case-stage")).to_have_text("已领证")
    expect(_clock(page, "clock-certificate_issuance")).to_have_attribute("data-state", "met")
    expect(page.locator('.clock[data-state="running"]')).to_have_count(0)
    screenshot(page, "11a-case-licensed")
    assert Case.objects.get(pk=case.pk).stage_due_on is None


def test_an_admin_sets_a_stage_target_and_the_consultant_sees_it_apart(new_page: Any) -> None:
    agency = f.AgencyFactory(name="鹏程代理")
    f.AdminFactory(agency=agency, username="boss")
    consultant = f.ConsultantFactory(agency=agency, username="wang")
    case = f.CaseFactory(
        company=f.ClientCompanyFactory(agency=agency), stage="reviewing_materials", consultant=consultant
    )
    page = new_page()
    sign_in(page, "boss")
    page.goto("/agency/settings/")
    targets = page.get_by_test_id("agency-targets-form")
    row = targets.get_by_test_id("target-icp-b25-reviewing_materials")
    expect(row).to_contain_text("审核材料")
    row.locator("input").fill("3")
    targets.get_by_test_id("agency-targets-save").click()
    expect(page.locator(".messages")).to_contain_text("机构内部目标已保存")
    screenshot(page, "11a-admin-agency-targets")
    sign_out(page)

    sign_in(page, "wang")
    page.goto(f"/cases/{case.pk}/")
    entered = timezone.localdate(Case.objects.get(pk=case.pk).stage_entered_at)
    target = page.get_by_test_id("agency-target")
    expect(target).to_contain_text(f"审核材料：3 个工作日内，即 {add_period(entered, 3, 'working_days')}")
    expect(target).to_contain_text("由本机构在机构设置中设定，不是法定期限。")
    expect(page.get_by_test_id("no-clocks")).to_be_visible()  # the target is not a statutory clock
    screenshot(page, "11a-consultant-agency-target")
    page.get_by_test_id("language-switch").click()
    expect(page.get_by_test_id("agency-target")).to_contain_text("within 3 working days, by")
    screenshot(page, "11a-consultant-agency-target-en")

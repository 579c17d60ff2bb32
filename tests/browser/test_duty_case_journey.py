"""Issue 11, a license's duties as cases in Chromium: from the register's license page the consultant
starts the annual report case with one click; the case opens on its own stages (准备年报 → 客户确认年报内容
→ 年报已报送), prefilled from the license, without the application's eligibility check; the register
then shows the duty's case; the client sees in the portal what they must do. Screenshots as consultant
and client go to LICENSEDESK_SCREENSHOTS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from licensedesk.web.cases.models import Case, LicenseRecord, LicenseSource
from web import factories as f

from .conftest import screenshot
from .steps import sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_annual_report_case_starts_from_the_register(new_page: Any) -> None:
    today = timezone.localdate()
    issued = today - timedelta(days=400)
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    consultant = f.ConsultantFactory(agency=agency, username="wang", display_name="王磊")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    f.ClientUserFactory(company=company, username="yunfan", display_name="陈志远")
    record = LicenseRecord.objects.create(
        agency=agency,
        company=company,
        source=LicenseSource.MANUAL,
        license_id="icp-b25",
        number="粤B2-20240815",
        authority="广东省通信管理局",
        issued_on=issued,
        expires_on=issued.replace(year=issued.year + 5) - timedelta(days=1),
        services=["publishing_platform"],
        websites=["yunfan.cn"],
        recorded_by=consultant,
    )

    page = new_page()
    sign_in(page, "wang")
    page.goto(f"/register/{record.pk}/")
    duties = page.get_by_test_id("license-duties")
    start = duties.get_by_role("button", name="立案办理").first
    expect(start).to_be_visible()
    screenshot(page, "11D-consultant-license-duties")
    start.click()

    # The case page: the annual report's own stages, the license and what was prefilled, no eligibility.
    expect(page.get_by_test_id("case-type")).to_have_text("年报")
    expect(page.get_by_test_id("case-stage")).to_have_text("准备年报")
    steps = page.get_by_test_id("steps").get_by_test_id("step")
    expect(steps).to_have_text(["准备年报", "客户确认年报内容", "年报已报送"])
    panel = page.get_by_test_id("duty-panel")
    expect(panel).to_contain_text("粤B2-20240815")
    expect(panel).to_contain_text("yunfan.cn")
    expect(panel).to_contain_text("信息发布平台和递送服务")
    expect(page.get_by_test_id("checklist")).to_contain_text("上一年度经营情况")
    expect(page.get_by_test_id("eligibility-folded")).to_have_count(0)
    case = Case.objects.get(case_type="annual_report")
    screenshot(page, "11D-consultant-annual-report-case")

    # The consultant moves it on to the client's confirmation.
    page.get_by_test_id("move-client_confirming").click()
    expect(page.get_by_test_id("case-stage")).to_have_text("客户确认年报内容")

    # Back in the register, the duty shows its case.
    page.goto(f"/register/{record.pk}/")
    row = page.get_by_test_id("license-duties").get_by_test_id("duty-case-annual_report").first
    expect(row).to_contain_text(case.number)
    expect(row).to_contain_text("办理中")
    screenshot(page, "11D-consultant-license-duty-open")
    sign_out(page)

    # The client sees what they must do.
    client_page = new_page()
    sign_in(client_page, "yunfan")
    client_page.goto(f"/portal/cases/{case.pk}/")
    expect(client_page.get_by_test_id("portal-case-type")).to_have_text("年报")
    expect(client_page.get_by_test_id("portal-duty-task")).to_contain_text("请核对我们根据贵司资料预填")
    expect(client_page.get_by_test_id("portal-current-stage")).to_have_text("客户确认年报内容")
    screenshot(client_page, "11D-client-annual-report-case")

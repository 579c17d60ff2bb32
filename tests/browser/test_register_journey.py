"""Issue 11, the license register in Chromium: a consultant records the certificate of an approved case
and closes it as licensed; the license is in the register with its next annual report and its renewal;
a license obtained elsewhere is entered by hand (a wrong number refused at its field first); the client
sees their licenses and duties in the portal, and only theirs. Screenshots of the register, the manual
entry and the portal, as admin, consultant and client, go to LICENSEDESK_SCREENSHOTS."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from licensedesk.core.deadlines import deadline, renewal_due
from licensedesk.web.cases.models import LicenseRecord
from licensedesk.web.cases.services import company_profile_update
from web import factories as f

from .conftest import screenshot
from .steps import sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_certificate_reaches_the_register_and_the_client_portal(new_page: Any) -> None:
    today = timezone.localdate()
    issued, expires = (
        today - timedelta(days=10),
        (today - timedelta(days=10)).replace(year=today.year + 5) - timedelta(days=1),
    )
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    consultant = f.ConsultantFactory(agency=agency, username="wang", display_name="王磊")
    f.AdminFactory(agency=agency, username="boss", display_name="刘敏")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    f.ClientUserFactory(company=company, username="yunfan", display_name="陈志远")
    other = f.ClientCompanyFactory(agency=agency, company_name="深圳市邻家网络有限公司")
    case = f.CaseFactory(company=company, consultant=consultant, stage="approved")
    number = f"粤B2-{today.year}0815"

    # The consultant records the certificate on the approved case and closes it as licensed.
    page = new_page()
    sign_in(page, "wang")
    page.goto(f"/cases/{case.pk}/")
    form = page.get_by_test_id("license-form")
    form.get_by_test_id("license-number").fill(number)
    form.get_by_test_id("license-issued-on").fill(issued.isoformat())
    form.get_by_test_id("license-expires-on").fill(expires.isoformat())
    form.get_by_test_id("license-submit").click()
    expect(page.get_by_test_id("license-number-shown")).to_contain_text(number)
    page.get_by_test_id("move-licensed").click()
    page.get_by_test_id("confirm-move-licensed").click()
    expect(page.get_by_test_id("case-stage")).to_have_text("已领证")

    # The register: the license with its next annual report (the year of issue, reported next quarter).
    page.get_by_test_id("nav-register").click()
    expect(page.get_by_role("heading", name="许可证台账")).to_be_visible()
    record = LicenseRecord.objects.get(case=case)
    row = page.get_by_test_id(f"register-row-{record.pk}")
    expect(row).to_contain_text(company.name)
    expect(row).to_contain_text(number)
    expect(row).to_have_attribute("data-status", "valid")
    expect(page.get_by_test_id(f"register-next-{record.pk}")).to_have_text(
        f"{today.year} 年度报告 · {today.year + 1}-03-31"
    )
    screenshot(page, "11B-consultant-register")
    page.get_by_test_id(f"register-link-{record.pk}").click()
    duties = page.get_by_test_id("license-duties")
    expect(duties.get_by_test_id("duty-annual_report").first).to_contain_text(f"{today.year + 1}-01-01")
    expect(duties.get_by_test_id("duty-renewal")).to_contain_text(renewal_due(expires, 90).isoformat())
    expect(duties.get_by_test_id("duty-renewal")).to_contain_text("电信业务经营许可管理办法 第二十七条")
    screenshot(page, "11B-consultant-license")

    # A license obtained elsewhere, entered by hand: the wrong number is refused at its field.
    page.get_by_test_id("nav-register").click()
    page.get_by_test_id("register-new").click()
    entry = page.get_by_test_id("register-new-form")
    entry.get_by_test_id("license-company").select_option(label=other.name)
    entry.get_by_test_id("license-type").select_option("icp-b25")
    entry.get_by_test_id("license-number").fill("粤B1-20230001")
    entry.get_by_test_id("license-authority").fill("广东省通信管理局")
    entry.get_by_test_id("license-issued-on").fill("2023-06-01")
    entry.get_by_test_id("license-expires-on").fill("2028-05-31")
    entry.get_by_label("信息搜索查询服务").check()
    entry.get_by_test_id("register-new-submit").click()
    expect(page.locator("#license-number_error")).to_contain_text("不含 B2")
    screenshot(page, "11B-consultant-manual-entry-error")
    page.get_by_test_id("license-number").fill("粤B2-20230001")
    page.get_by_test_id("register-new-submit").click()
    expect(page.get_by_test_id("license-facts")).to_contain_text("粤B2-20230001")
    expect(page.get_by_test_id("license-facts")).to_contain_text("客户自行取得（手工登记）")
    # Its service went live: the proof is kept, and a renewal now covers that service only.
    expect(page.get_by_test_id("renewal-covers")).to_have_text("尚无业务开通：现在申请续期不能包括任何业务。")
    launch = page.get_by_test_id("launch-form")
    launch.get_by_test_id("launch-kind").select_option("website_live")
    launch.get_by_test_id("launch-url").fill("https://linjia.example.cn")
    launch.get_by_test_id("launch-date").fill("2023-07-01")
    launch.get_by_test_id("launch-submit").click()
    expect(page.get_by_test_id("service-search_query")).to_contain_text("网站上线 2023-07-01")
    expect(page.get_by_test_id("renewal-covers")).to_have_text("现在申请续期可包括： 信息搜索查询服务")
    screenshot(page, "11B-consultant-manual-license")

    # A profile edit of a field the license depends on proposes the change filing where it was saved.
    profile = copy.deepcopy(company.profile)
    profile["company"]["legal_representative"]["name"] = "赵新"
    company_profile_update(company=company, profile=profile, actor=consultant)
    page.goto(f"/companies/{company.pk}/")
    proposed = page.get_by_test_id(f"change-proposed-{record.pk}")
    due = deadline(today, 30, "days").due.isoformat()
    expect(proposed).to_contain_text(f"名称、法定代表人或注册资本变更：{due} 前")
    screenshot(page, "11B-consultant-company-change-proposed")
    sign_out(page)

    # The agency admin sees both licenses in the register.
    sign_in(page, "boss")
    page.goto("/register/")
    expect(page.get_by_test_id("register").locator("tbody tr")).to_have_count(2)
    screenshot(page, "11B-admin-register")
    sign_out(page)

    # The client sees their license and its duties in the portal, not the neighbour's.
    sign_in(page, "yunfan")
    page.get_by_test_id("nav-licenses").click()
    card = page.get_by_test_id(f"portal-license-{record.pk}")
    expect(card).to_contain_text(number)
    expect(card).to_contain_text(f"{today.year} 年度报告")
    expect(card.get_by_test_id("duty-renewal")).to_contain_text(renewal_due(expires, 90).isoformat())
    expect(page.locator("main")).not_to_contain_text("粤B2-20230001")
    screenshot(page, "11B-client-portal-licenses")
    page.get_by_test_id("language-switch").click()
    expect(page.get_by_role("heading", name="My licenses")).to_be_visible()
    expect(card).to_contain_text(f"Annual report for {today.year}")
    screenshot(page, "11B-client-portal-licenses-en")

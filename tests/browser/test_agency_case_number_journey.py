"""Issue 10, items 8, 9 and 14 in real Chromium.

The agency admin fills in the agency settings (a wrong USCC is refused at its field first) and sets the
case-number format; a consultant opens a case for a new client and sees its number; the documents
panel lists everything missing at once, grouped, with labels only; the consultant fills this case's
fields in the one form; then finds the case by the client's USCC in the navigation's search box."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from licensedesk.web.accounts.models import Agency
from web import factories as f

from .conftest import screenshot
from .steps import sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)

DOTTED = re.compile(r"\b(case|company|service|readiness|agency|contract|premises)\.[a-z_]+")


def test_settings_number_one_pass_data_and_search(new_page: Any) -> None:
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    admin = f.AdminFactory(agency=agency, display_name="周主管")
    consultant = f.ConsultantFactory(agency=agency, display_name="王鹏程")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    year = timezone.localdate().year

    page = new_page()
    sign_in(page, admin.username)
    page.get_by_test_id("nav-agency-settings").click()
    expect(page.get_by_role("heading", name="机构设置")).to_be_visible()
    page.get_by_label("统一社会信用代码").fill("91440300MA5G7QXK0X")
    page.get_by_label("案件编号格式").fill("QH-{year}-{seq:03d}")
    page.get_by_test_id("agency-settings-save").click()
    expect(page.locator("#id_uscc_error")).to_contain_text("统一社会信用代码：")
    page.get_by_label("统一社会信用代码").fill("91440300MA5G7QXK0M")
    page.get_by_label("地址", exact=True).fill("深圳市福田区福华三路88号财富大厦2306室")
    page.get_by_test_id("agency-settings-save").click()
    expect(page.locator(".messages")).to_contain_text("机构设置已保存。")
    screenshot(page, "P4-agency-settings-admin")
    assert Agency.objects.get(pk=agency.pk).case_number_format == "QH-{year}-{seq:03d}"
    sign_out(page)

    sign_in(page, consultant.username)
    expect(page.get_by_test_id("nav-agency-settings")).to_have_count(0)
    page.goto(f"/companies/{company.pk}/")
    # an agency with no case yet is offered the catalog's first license: this journey is about the ICP one
    page.get_by_test_id("new-case-license").select_option("icp-b25")
    page.get_by_test_id("new-case-submit").click()
    expect(page.get_by_test_id("case-number")).to_have_text(f"案件编号 QH-{year}-001")
    case_url = page.url
    page.get_by_test_id("nav-board").click()
    expect(page.locator(".card-number")).to_have_text(f"QH-{year}-001")
    screenshot(page, "P4-board-consultant")
    page.goto(case_url)

    page.get_by_test_id("documents-generate-all").click()
    missing = page.get_by_test_id("documents-missing")
    expect(missing).to_contain_text("生成文件还需要", timeout=60_000)
    expect(page.get_by_test_id("documents-fill-form")).to_contain_text("申请日期（文件落款日期）")
    expect(page.get_by_test_id("documents-missing-agency")).to_contain_text("代办机构法定代表人")
    assert not DOTTED.search(missing.inner_text()), missing.inner_text()
    screenshot(page, "P4-documents-missing-consultant")
    form = page.get_by_test_id("documents-fill-form")
    form.get_by_label("申请日期（文件落款日期）").fill(timezone.localdate().isoformat())
    form.get_by_label("网站（业务）名称").fill("云帆资讯")
    form.get_by_label("办公场所地址").fill("深圳市南山区科苑路15号")
    page.get_by_test_id("documents-fill-submit").click()
    expect(page.locator("#documents")).to_contain_text("文件数据已保存。")

    page.get_by_test_id("nav-search").fill(company.uscc)
    page.get_by_test_id("nav-search-go").click()
    row = page.get_by_test_id("case-table")
    expect(row).to_contain_text("深圳市云帆信息科技有限公司")
    expect(row).to_contain_text(f"QH-{year}-001")
    screenshot(page, "P4-search-consultant")

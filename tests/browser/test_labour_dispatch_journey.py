"""Issue 12 in real Chromium: a consultant takes a company through a license other than the ICP one the
same way. They open a labour-dispatch case for the company, fill the license's own section in the
profile editor (rendered from the catalog's profile_section.yaml), run the check, see the license's
checklist and generate the commission contract, which they download and read.

Only the agency (with its settings), the consultant and the company's common facts are arranged in
the database; the license's facts, the case and everything after happen through the pages."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.utils import timezone
from docx import Document
from playwright.sync_api import expect

from licensedesk.web.cases.models import Case, ClientCompany
from web import factories as f

from .conftest import screenshot
from .steps import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "labour-dispatch.yaml"
SECTION = "extensions.labour-dispatch"
# what no page may show a consultant: a dotted path, a license id, a template placeholder
INTERNAL = re.compile(r"\b(extensions|company|case|facts)\.[a-z_-]+|labour-dispatch|\{\{|\{%")


def company_facts() -> dict[str, Any]:
    """The example company without its labour-dispatch facts (the consultant fills those in)."""
    profile = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    del profile["extensions"]
    return profile


def assert_readable(page: Any) -> None:
    text = page.locator("main").inner_text()
    assert not INTERNAL.search(text), INTERNAL.search(text)


def test_consultant_takes_a_company_through_a_labour_dispatch_case(new_page: Any) -> None:
    agency = f.AgencyFactory(
        name="深圳启航企业管理咨询有限公司",
        uscc="91440300MA5G7QXK0M",
        address="深圳市福田区福华三路88号财富大厦2306室",
        legal_representative="周建华",
    )
    consultant = f.ConsultantFactory(agency=agency, display_name="王鹏程")
    company = f.ClientCompanyFactory(agency=agency, raw_profile=company_facts())
    today = timezone.localdate().isoformat()

    page = new_page()
    sign_in(page, consultant.username)

    # The consultant opens a labour-dispatch case from the company's page.
    page.goto(f"/companies/{company.pk}/")
    page.get_by_test_id("new-case-license").select_option(label="劳务派遣许可证")
    page.get_by_test_id("new-case-submit").click()
    page.get_by_test_id("case-page").wait_for()
    case = Case.objects.get(company=company)
    assert case.license_id == "labour-dispatch"
    expect(page.locator(".page-head .meta")).to_contain_text("劳务派遣")
    expect(page.get_by_test_id("case-stage")).to_have_text("资质审核")
    screenshot(page, "labour-01-case-opened")
    assert_readable(page)

    # The check before the license's facts are known: incomplete, and it says what is missing.
    page.get_by_test_id("run-check").click()
    expect(page.get_by_test_id("verdict")).to_have_text("信息不完整，暂无法判断")
    screenshot(page, "labour-02-incomplete")
    assert_readable(page)

    # … fills the license's section in the profile editor …
    page.get_by_test_id("edit-profile").click()
    section = page.locator("#section-extensions")
    expect(section.get_by_role("group", name="劳务派遣经营许可")).to_be_visible()
    page.get_by_test_id(f"field-{SECTION}.premises_ready").select_option("true")
    page.get_by_test_id(f"field-{SECTION}.premises_owned").select_option("false")
    page.get_by_test_id(f"field-{SECTION}.premises_lease_until").fill("2028-06-30")
    page.get_by_test_id(f"field-{SECTION}.facilities_ready").select_option("true")
    page.get_by_test_id(f"field-{SECTION}.dispatch_rules_ready").select_option("true")
    section.scroll_into_view_if_needed()
    screenshot(page, "labour-03-profile-section")
    page.get_by_test_id("profile-save").click()
    expect(page.locator(".alert-success")).to_have_text("企业档案已保存。")
    stored = ClientCompany.objects.get(pk=company.pk).profile["extensions"]["labour-dispatch"]
    assert stored == {
        "premises_ready": True, "premises_owned": False, "premises_lease_until": "2028-06-30",
        "facilities_ready": True, "dispatch_rules_ready": True,
    }  # fmt: skip

    # … runs the check: eligible, each condition with its reason, and the license's checklist.
    page.get_by_test_id(f"case-link-{case.pk}").click()
    page.get_by_test_id("run-check").click()
    expect(page.get_by_test_id("case-notice")).to_have_text("资格检查完成：符合申请条件")
    expect(page.get_by_test_id("verdict")).to_have_text("符合申请条件")
    conditions = page.get_by_test_id("conditions")
    expect(conditions).to_contain_text("200 万元")
    checklist = page.get_by_test_id("checklist")
    expect(checklist).to_contain_text("劳务派遣")
    expect(checklist).to_contain_text("申请书")
    screenshot(page, "labour-04-eligible-checklist")
    assert_readable(page)

    # … generates the commission contract: the case's contract terms are asked for first …
    page.get_by_test_id("generate-commission_contract").click()
    missing = page.get_by_test_id("documents-missing")
    expect(missing).to_contain_text("生成文件还需要", timeout=60_000)
    form = page.get_by_test_id("documents-fill-form")
    form.get_by_label("申请日期（文件落款日期）").fill(today)
    form.get_by_label("合同签订日期").fill(today)
    form.get_by_label("服务费（元）").fill("30000")
    form.get_by_label("付款方式").fill("合同签订后5个工作日内一次性支付。")
    form.get_by_label("办理时限（工作日）").fill("20")
    screenshot(page, "labour-05-contract-terms")
    assert_readable(page)
    page.get_by_test_id("documents-fill-submit").click()
    expect(page.locator("#documents")).to_contain_text("文件数据已保存。")
    page.get_by_test_id("generate-commission_contract").click()
    row = page.get_by_test_id("document-commission_contract")
    expect(row.get_by_test_id("download-docx")).to_be_visible(timeout=60_000)
    screenshot(page, "labour-06-contract-generated")
    assert_readable(page)

    # … and downloads it: the contract is the labour-dispatch one, for this company and this agency.
    with page.expect_download() as download:
        row.get_by_test_id("download-docx").click()
    assert download.value.suggested_filename == "委托办理合同.docx"
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "甲方（委托方）：深圳示例人力资源有限公司" in text
    assert "乙方（受托方）：深圳启航企业管理咨询有限公司" in text
    assert "《劳务派遣经营许可证》" in text
    assert "叁万元整" in text
    assert "{{" not in text and "None" not in text
    with page.expect_download() as pdf:
        row.get_by_test_id("download-pdf").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")

"""Issue 10, item 4 in real Chromium: a refused upload is told at the row the user used — announced,
naming the file — and the chosen file stays chosen, so the user sees what happened and can send
another file from the same place (it used to appear about 700 px above the row, with the file cleared).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from licensedesk.web.cases.services import case_run_check, case_transition
from licensedesk.web.materials.models import CaseMaterial, MaterialVersion
from web import factories as f

from .conftest import screenshot
from .steps import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

MATERIAL = "financial_report"


def _refused_upload(page: Any, file: Path) -> Any:
    """Choose ``file`` (empty: refused) in the material's row, send it; the row, after the answer."""
    row = page.get_by_test_id(f"material-{MATERIAL}")
    fold = row.get_by_test_id("upload-fold")
    if fold.get_attribute("open") is None:  # the row's upload control is folded until opened
        fold.locator("summary").click()
    row.locator('input[type="file"]').set_input_files(str(file))
    row.locator('button[type="submit"]').click()
    error = page.get_by_test_id(f"material-{MATERIAL}").get_by_test_id("upload-error")
    expect(error).to_be_visible()
    return page.get_by_test_id(f"material-{MATERIAL}")


def _material(case: Any) -> Any:
    return CaseMaterial.objects.get(case=case, material_id=MATERIAL)


def test_a_refused_upload_is_told_at_its_row_and_keeps_the_file(new_page: Any, tmp_path: Path) -> None:
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    consultant = f.ConsultantFactory(agency=agency, display_name="李顾问")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    client = f.ClientUserFactory(company=company, display_name="陈志远")
    case = f.CaseFactory(company=company, consultant=consultant)
    case_run_check(case=case, actor=consultant)
    for stage in ("contract_signed", "collecting_materials"):
        case_transition(
            case=case, to_stage=stage, actor=consultant, expected_version=case.version, confirmed=True
        )
    empty = tmp_path / "2025年度财务报告.pdf"
    empty.write_bytes(b"")

    # The client, on the page of materials to send.
    page = new_page()
    sign_in(page, client.username)
    page.goto(reverse("materials:requests", kwargs={"case_id": case.pk}))
    row = _refused_upload(page, empty)
    error = row.get_by_test_id("upload-error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("文件“2025年度财务报告.pdf”为空文件。")
    expect(error).to_contain_text("您选择的文件：2025年度财务报告.pdf")
    expect(error).to_be_focused()  # read out, and scrolled into view
    expect(page.get_by_test_id("materials-error")).to_have_count(0)  # not at the top of the list
    chosen = row.locator('input[type="file"]').evaluate("input => Array.from(input.files, f => f.name)")
    assert chosen == ["2025年度财务报告.pdf"]  # still chosen: nothing silently cleared
    screenshot(page, "upload-error-client")

    # The consultant, on the case page's checklist: the same, at the row.
    staff = new_page()
    sign_in(staff, consultant.username)
    staff.goto(f"/cases/{case.pk}/")
    staff.locator("#materials-checklist").wait_for()
    row = _refused_upload(staff, empty)
    expect(row.get_by_test_id("upload-error")).to_contain_text("文件“2025年度财务报告.pdf”为空文件。")
    screenshot(staff, "upload-error-consultant")

    # … and on the material's own page, at its upload form.
    staff.goto(reverse("materials:item", kwargs={"pk": _material(case).pk}))
    staff.locator("#upload-section input[type='file']").set_input_files(str(empty))
    staff.locator("#upload-section button[type='submit']").click()
    error = staff.locator("#upload-section").get_by_test_id("upload-error")
    expect(error).to_contain_text("文件“2025年度财务报告.pdf”为空文件。")
    expect(error).to_be_focused()
    kept = staff.locator("#upload-section input[type='file']").evaluate(
        "input => Array.from(input.files, f => f.name)"
    )
    assert kept == ["2025年度财务报告.pdf"]
    screenshot(staff, "upload-error-material-page")
    assert not MaterialVersion.objects.filter(material__case=case).exists()

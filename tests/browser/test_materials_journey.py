"""Issue 4 in real Chromium: one review round of the materials, from the client's upload to the
consultant's acceptance of a corrected version.

The client uploads two materials; the consultant rejects one (company seal missing) and accepts the
other, then finishes the review round (the client is emailed); the client reads the reason and sends a
new version; the consultant sees the rejected and the new version side by side and accepts; the
checklist counts both. The case, its eligibility check and the users are arranged with the services
and factories; the uploads and reviews go through the pages.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.web.cases.services import case_run_check, case_transition
from licensedesk.web.materials.models import CaseMaterial, MaterialStatus, ReviewStatus
from web import factories as f

from .conftest import screenshot
from .steps import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LETTER = "application_letter"  # 书面申请: PDF or image, no date rule, nothing to confirm
CLIENT_DOC = "credit_proof"  # 公司信誉情况证明材料: the client's own, no date rule, nothing to confirm
CLIENT_DOC_TITLE = "公司信誉情况证明材料"


def png(path: Path, text: str) -> Path:
    """A scan-like PNG (a page with a line of text)."""
    image = Image.new("RGB", (620, 877), "white")
    ImageDraw.Draw(image).text((40, 40), text, fill="black")
    image.save(path, format="PNG")
    return path


def pdf(path: Path, text: str) -> Path:
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, pagesize=A4)
    document.drawString(72, 770, text)
    document.showPage()
    document.save()
    path.write_bytes(buffer.getvalue())
    return path


def upload(page: Any, material_id: str, file: Path) -> None:
    """Choose ``file`` in the material's row of the checklist and send it."""
    row = page.get_by_test_id(f"material-{material_id}")
    fold = row.get_by_test_id("upload-fold")
    if fold.get_attribute("open") is None:  # the row's upload control is folded until opened
        fold.locator("summary").click()
    row.locator('input[type="file"]').set_input_files(str(file))
    row.locator('button[type="submit"]').click()


def open_material(page: Any, case_id: int, material_id: str) -> None:
    """From the checklist on the staff case page to one material's page."""
    page.goto(f"/cases/{case_id}/")
    page.locator("#checklist").get_by_test_id(f"material-{material_id}").get_by_role("link").first.click()
    page.get_by_test_id("review").wait_for()


def open_requests(page: Any, case_id: int) -> None:
    """From the client's portal to the page of materials to send."""
    page.goto("/portal/")
    page.locator(f'[data-testid="portal-case-row"][data-case="{case_id}"] h2 a').click()
    page.get_by_test_id("portal-materials-link").click()
    page.locator("#material-requests").wait_for()


def test_review_round_with_a_rejection_and_a_corrected_upload(new_page: Any, tmp_path: Path) -> None:
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    consultant = f.ConsultantFactory(agency=agency, display_name="李顾问")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    client = f.ClientUserFactory(company=company, display_name="陈志远", email="chen.zhiyuan@yunfan-tech.cn")
    case = f.CaseFactory(company=company, consultant=consultant)
    case_run_check(case=case, actor=consultant)
    for stage in ("contract_signed", "collecting_materials"):
        case_transition(case=case, to_stage=stage, actor=consultant, expected_version=case.version)
    required = CaseMaterial.objects.filter(case=case, required=True).count()
    supplied_by = {
        m.id: m.supplied_by for m in default_catalog().version_on("icp-b25", case.opened_on).version.materials
    }
    theirs = [
        m
        for m in CaseMaterial.objects.filter(case=case, required=True)
        if supplied_by[m.material_id] != "agency"
    ]
    shown = len(theirs)  # the client's checklist: what is theirs to provide or sign
    to_provide = sum(1 for m in theirs if supplied_by[m.material_id] == "client")  # asked for now

    # The client sends the signed application letter (a scan) and their credit proof (a PDF).
    client_page = new_page()
    sign_in(client_page, client.username)
    expect(client_page.get_by_test_id("portal-case-row")).to_have_count(1)
    open_requests(client_page, case.pk)
    expect(client_page.get_by_test_id("materials-progress")).to_have_text(f"已通过 0/{shown}")
    expect(client_page.get_by_test_id("material-company_profile")).to_have_count(0)  # the agency drafts it
    upload(client_page, LETTER, png(tmp_path / "书面申请.png", "Application letter, unsealed"))
    letter_row = client_page.get_by_test_id(f"material-{LETTER}")
    expect(letter_row.get_by_test_id("status")).to_have_text("已上传")
    expect(client_page.locator("#materials-checklist .alert-success")).to_have_text(
        "“法定代表人签署的书面申请”第 1 版已上传。"
    )
    upload(client_page, CLIENT_DOC, pdf(tmp_path / "信用.pdf", "Credit report"))
    expect(client_page.get_by_test_id(f"material-{CLIENT_DOC}").get_by_test_id("status")).to_have_text(
        "已上传"
    )
    assert letter_row.locator(".material-files a").inner_text() == "书面申请.png"
    # The list of what is still to send, above the checklist, follows the uploads.
    asked = client_page.locator(".material-requests li")
    expect(asked).to_have_count(to_provide - 1)
    expect(asked.filter(has_text=CLIENT_DOC_TITLE)).to_have_count(0)
    screenshot(client_page, "materials-01-client-uploaded")

    # The consultant rejects the letter: the company seal is missing …
    staff = new_page()
    sign_in(staff, consultant.username)
    open_material(staff, case.pk, LETTER)
    reject = staff.locator("form.material-reject")
    reject.get_by_label("原因").select_option("seal_missing")
    reject.get_by_label("给客户的说明").fill("请在右下角加盖公司公章后重新扫描上传。")
    screenshot(staff, "materials-02-reject-form")
    reject.get_by_role("button", name="退回").click()
    expect(staff.locator(".messages")).to_have_text("审核结果已保存。")
    assert "已退回" in staff.locator("main").inner_text()

    # The client's portal shows the rejection and its reason at once (the round is still open), and
    # lists the letter among what is asked of them now.
    client_page.goto(f"/portal/cases/{case.pk}/")
    ask = client_page.locator('[data-testid="portal-ask"][data-kind="material"]').filter(
        has_text="法定代表人签署的书面申请"
    )
    expect(ask).to_have_text(
        "已退回 法定代表人签署的书面申请：缺少公司公章（请在右下角加盖公司公章后重新扫描上传。） · 上传"
    )
    expect(client_page.get_by_test_id("portal-waiting")).to_have_count(0)
    screenshot(client_page, "materials-02b-client-sees-rejection")
    open_requests(client_page, case.pk)
    expect(client_page.get_by_test_id(f"material-{LETTER}").get_by_test_id("status")).to_have_text("已退回")

    # … accepts the client's credit proof …
    open_material(staff, case.pk, CLIENT_DOC)
    staff.locator("form.material-accept").get_by_role("button", name="通过").click()
    expect(staff.locator(".messages")).to_have_text("审核结果已保存。")

    # … and finishes the round from the case page, which emails the client.
    staff.goto(f"/cases/{case.pk}/")
    expect(staff.get_by_test_id("materials-progress")).to_have_text(f"已通过 1/{required}")
    mail.outbox.clear()
    staff.get_by_test_id("finish-round").click()
    expect(staff.locator(".alert-success").filter(has_text="第 1 轮审核已完成")).to_have_text(
        "第 1 轮审核已完成，已发邮件通知客户（chen.zhiyuan@yunfan-tech.cn）。"
    )
    assert staff.get_by_test_id("finish-round").count() == 0
    (message,) = mail.outbox
    assert message.to == ["chen.zhiyuan@yunfan-tech.cn"]
    assert "缺少公司公章" in message.body
    screenshot(staff, "materials-03-round-finished")

    # The client sees what to send again, and why, and sends a sealed scan.
    open_requests(client_page, case.pk)
    request = client_page.locator(".material-requests li").filter(has_text="法定代表人签署的书面申请")
    expect(request).to_contain_text("已退回：缺少公司公章（请在右下角加盖公司公章后重新扫描上传。）")
    letter_row = client_page.get_by_test_id(f"material-{LETTER}")
    expect(letter_row.get_by_test_id("status")).to_have_text("已退回")
    expect(client_page.get_by_test_id(f"material-{CLIENT_DOC}").get_by_test_id("status")).to_have_text(
        "已通过"
    )
    screenshot(client_page, "materials-04-client-request")
    upload(client_page, LETTER, pdf(tmp_path / "书面申请（盖章）.pdf", "Application letter, sealed"))
    expect(letter_row.get_by_test_id("status")).to_have_text("已上传")
    expect(letter_row.locator(".material-files a")).to_have_text("书面申请（盖章）.pdf")

    # The consultant compares the rejected version with the new one and accepts the new one.
    open_material(staff, case.pk, LETTER)
    compare = staff.locator(".material-compare")
    expect(staff.get_by_role("heading", name="被退回的版本与新版本对照")).to_be_visible()
    sides = compare.locator("td")
    assert sides.count() == 2
    assert "第 1 版" in sides.nth(0).inner_text() and "书面申请.png" in sides.nth(0).inner_text()
    assert "原因：缺少公司公章 — 请在右下角加盖公司公章后重新扫描上传。" in sides.nth(0).inner_text()
    assert "第 2 版" in sides.nth(1).inner_text() and "书面申请（盖章）.pdf" in sides.nth(1).inner_text()
    screenshot(staff, "materials-05-side-by-side")
    staff.locator("form.material-accept").get_by_role("button", name="通过").click()
    expect(staff.locator(".messages")).to_have_text("审核结果已保存。")

    # The checklist on the case page counts both.
    staff.goto(f"/cases/{case.pk}/")
    expect(staff.get_by_test_id("materials-progress")).to_have_text(f"已通过 2/{required}")
    for material_id in (LETTER, CLIENT_DOC):
        expect(staff.get_by_test_id(f"material-{material_id}").get_by_test_id("status")).to_have_text(
            "已通过"
        )
    screenshot(staff, "materials-06-checklist")
    # … and so does the client's portal.
    client_page.goto(f"/portal/cases/{case.pk}/")
    expect(client_page.get_by_test_id("portal-materials-progress")).to_have_text(
        f"必需材料已通过 2 / {shown} 项"
    )
    # What the portal asks for now leaves out what was accepted.
    asked = client_page.locator('[data-testid="portal-ask"][data-kind="material"]')
    expect(asked).to_have_count(to_provide - 1)
    for title in ("法定代表人签署的书面申请", CLIENT_DOC_TITLE, "公司概况"):
        expect(asked.filter(has_text=title)).to_have_count(0)
    screenshot(client_page, "materials-07-client-portal")
    letter = CaseMaterial.objects.get(case=case, material_id=LETTER)
    assert letter.status == MaterialStatus.ACCEPTED
    assert [v.review_status for v in letter.versions.order_by("number")] == [
        ReviewStatus.REJECTED,
        ReviewStatus.ACCEPTED,
    ]

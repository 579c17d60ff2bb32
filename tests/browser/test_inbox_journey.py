"""Issue 10, item 13 in real Chromium: the consultant's inbox.

The client uploads the signed application letter on the portal; the consultant is emailed, sees the
unread count in the navigation, opens the inbox, clicks the item and lands on the material to review;
the count is gone. The agency admin sees the upload of a case that has no consultant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from licensedesk.web.cases.services import case_run_check
from licensedesk.web.materials.models import CaseMaterial
from licensedesk.web.materials.services import IncomingFile, material_upload
from web import factories as f

from .conftest import screenshot
from .steps import sign_in
from .test_materials_journey import LETTER, open_requests, pdf, upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_client_upload_reaches_the_consultants_inbox(new_page: Any, tmp_path: Path) -> None:
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    admin = f.AdminFactory(agency=agency, display_name="周主管")
    consultant = f.ConsultantFactory(agency=agency, display_name="王鹏程", email="wang@qihang.example")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    client = f.ClientUserFactory(company=company, display_name="陈志远")
    case = f.CaseFactory(company=company, consultant=consultant)
    case_run_check(case=case, actor=consultant)
    title = CaseMaterial.objects.get(case=case, material_id=LETTER).title_zh
    # a second client whose case nobody looks after yet: its upload is for the agency admin
    other = f.ClientCompanyFactory(agency=agency, company_name="广州市星河网络科技有限公司")
    unassigned = f.CaseFactory(company=other, consultant=None)
    case_run_check(case=unassigned, actor=admin)
    material_upload(
        material=CaseMaterial.objects.select_related("case").get(case=unassigned, material_id=LETTER),
        actor=f.ClientUserFactory(company=other),
        files=[IncomingFile(name="书面申请.pdf", content=pdf(tmp_path / "a.pdf", "letter").open("rb"))],
    )

    client_page = new_page()
    sign_in(client_page, client.username)
    open_requests(client_page, case.pk)
    mail.outbox.clear()
    upload(client_page, LETTER, pdf(tmp_path / "书面申请.pdf", "Application letter, signed"))
    expect(client_page.get_by_test_id(f"material-{LETTER}").get_by_test_id("status")).to_have_text("已上传")
    (message,) = mail.outbox
    assert message.to == ["wang@qihang.example"]
    assert f"深圳市云帆信息科技有限公司 上传了材料「{title}」，待您审核。" in message.body

    staff = new_page()
    sign_in(staff, consultant.username)
    expect(staff.get_by_test_id("nav-inbox")).to_have_text("收件箱 1 条未读")
    staff.get_by_test_id("nav-inbox").click()
    expect(staff.get_by_role("heading", name="收件箱")).to_be_visible()
    rows = staff.locator('[data-testid^="inbox-item-"]')
    expect(rows).to_have_count(1)  # the unassigned case's upload is not the consultant's
    expect(rows.first).to_contain_text(f"客户上传材料 · {title}")
    expect(rows.first).to_contain_text("深圳市云帆信息科技有限公司")
    expect(rows.first).to_contain_text("未读")
    screenshot(staff, "inbox-01-consultant-unread")
    rows.first.get_by_role("button").click()
    staff.get_by_test_id("review").wait_for()
    assert f"/materials/{CaseMaterial.objects.get(case=case, material_id=LETTER).pk}/" in staff.url
    expect(staff.get_by_test_id("nav-inbox-unread")).to_have_count(0)
    expect(staff.get_by_test_id("nav-inbox")).to_have_text("收件箱")
    staff.get_by_test_id("nav-inbox").click()
    expect(rows.first).to_contain_text("已读")
    screenshot(staff, "inbox-02-consultant-read")

    boss = new_page()
    sign_in(boss, admin.username)
    expect(boss.get_by_test_id("nav-inbox")).to_have_text("收件箱 1 条未读")
    boss.get_by_test_id("nav-inbox").click()
    boss_rows = boss.locator('[data-testid^="inbox-item-"]')
    expect(boss_rows).to_have_count(1)
    expect(boss_rows.first).to_contain_text("广州市星河网络科技有限公司")
    screenshot(boss, "inbox-03-admin-unassigned")

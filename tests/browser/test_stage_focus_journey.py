"""Issue 10 items 15–16 in Chromium: the case page leads with what the stage needs (the checklist at
材料审核, its upload controls folded one per row), the timeline filters without JavaScript; the board
shows every stage at 1440 px with due dates and the 「新」 flag; the client sees the license number of a
licensed case. Screenshots for each role go to LICENSEDESK_P7_SCREENS (default var/screenshots)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from licensedesk.web.cases.models import LicenseRecord
from licensedesk.web.cases.services import case_run_check, case_transition
from web import factories as f

from .steps import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("LICENSEDESK_P7_SCREENS", "var/screenshots"))


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"P7-{name}.png"), full_page=True)


def test_the_case_page_and_board_follow_the_stage(new_page: Any) -> None:
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    consultant = f.ConsultantFactory(agency=agency, display_name="王磊")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    client = f.ClientUserFactory(company=company, display_name="陈志远")
    case = f.CaseFactory(
        company=company, consultant=consultant, target_date=timezone.localdate() + timedelta(30)
    )
    case_run_check(case=case, actor=consultant)
    for stage in ("contract_signed", "collecting_materials", "reviewing_materials"):
        case_transition(
            case=case, to_stage=stage, actor=consultant, expected_version=case.version, confirmed=True
        )
    licensed = f.CaseFactory(
        company=f.ClientCompanyFactory(agency=agency, company_name="深圳市领证科技有限公司"),
        consultant=consultant,
        stage="licensed",
        opened_on=timezone.localdate() - timedelta(days=200),
    )
    LicenseRecord.objects.create(
        case=licensed,
        agency_id=licensed.agency_id,
        company_id=licensed.company_id,
        license_id=licensed.license_id,
        number="粤B2-20264321",
        issued_on=date(2026, 11, 20),
        expires_on=date(2031, 11, 19),
        recorded_by=consultant,
    )
    licensed_client = f.ClientUserFactory(company=licensed.company, display_name="李明")

    # The consultant, on the case at 审核材料: the checklist first, eligibility folded.
    page = new_page(width=1440)
    sign_in(page, consultant.username)
    page.goto(f"/cases/{case.pk}/")
    checklist = page.get_by_test_id("checklist")
    folded = page.get_by_test_id("eligibility-folded")
    assert checklist.bounding_box()["y"] < folded.bounding_box()["y"]
    expect(folded.locator("summary")).to_contain_text("资格检查")
    row = checklist.get_by_test_id("material-business_license")
    expect(row.locator('input[type="file"]')).to_be_hidden()  # folded until the row is opened
    expect(checklist.locator('input[type="file"]:visible')).to_have_count(0)
    row.get_by_test_id("upload-fold").locator("summary").click()
    expect(row.locator('input[type="file"]')).to_be_visible()
    expect(checklist.locator('input[type="file"]:visible')).to_have_count(1)
    _shot(page, "consultant-case-reviewing")
    # The timeline, filtered to stage moves (a link: no JavaScript needed).
    page.get_by_test_id("timeline-filter").get_by_role("link", name="阶段变更").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("案件从“收集材料”进入“审核材料”")
    expect(page.get_by_test_id("timeline")).not_to_contain_text("运行资格检查")

    # The board at 1440 px: every stage column in view, no sideways scrolling.
    page.goto("/cases/board/")
    board = page.get_by_test_id("board")
    expect(board).to_have_attribute("aria-label", "看板，共 11 列")
    for column in board.locator(".board-column").all():
        box = column.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1440
    card = page.get_by_test_id(f"card-{case.pk}")
    expect(card).to_contain_text("新")
    expect(page.get_by_test_id(f"due-{case.pk}")).to_contain_text(
        (timezone.localdate() + timedelta(30)).isoformat()
    )
    _shot(page, "consultant-board-1440")

    # The client of the licensed case sees its number and validity.
    portal = new_page()
    sign_in(portal, licensed_client.username)
    portal.goto(f"/portal/cases/{licensed.pk}/")
    expect(portal.get_by_test_id("portal-license")).to_have_text(
        "许可证编号：粤B2-20264321 · 有效期 2026-11-20 至 2031-11-19"
    )
    _shot(portal, "client-portal-licensed")
    assert client.company_id == company.pk

"""Issue 11, reminders, in real Chromium: a case whose paper set reached the administration yesterday
and whose client has a correction to make, and a license whose renewal is due within 30 days. The
reminder job runs (as the housekeeping runs it); the consultant finds the reminders in the inbox and
every deadline on the deadlines page, makes a calendar address (shown once) and the calendar reads it
back; the client finds their company's deadlines from the navigation, with the reminders emailed to
them. Screenshots in ``LICENSEDESK_SCREENSHOTS`` (default var/screenshots)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from icalendar import Calendar
from playwright.sync_api import expect

from licensedesk.web.cases.models import CaseEvent, LicenseRecord
from licensedesk.web.reminders.services import reminders_send, today_local
from web import factories as f

from .conftest import screenshot
from .steps import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _arrange() -> dict[str, Any]:
    today = today_local()
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    admin = f.AdminFactory(agency=agency, display_name="周主管")
    consultant = f.ConsultantFactory(agency=agency, display_name="王鹏程", email="wang@qihang.example")
    company = f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司")
    client = f.ClientUserFactory(company=company, display_name="陈志远", email="chen@yunfan.example")
    case = f.CaseFactory(company=company, consultant=consultant, stage="paper_submitted")
    for kind, on, reference in (
        ("paper_delivery", today - timedelta(days=2), {}),
        (
            "correction_request",
            today - timedelta(days=1),
            {"due_on": (today + timedelta(days=6)).isoformat()},
        ),
    ):
        CaseEvent.objects.create(
            case=case,
            kind=kind,
            from_stage=case.stage,
            to_stage=case.stage,
            occurred_on=on,
            reference=reference,
            recorded_by=consultant,
        )
    # A license obtained elsewhere, expiring in 110 days: its renewal is due 90 days before expiry.
    expires = today + timedelta(days=110)
    record = LicenseRecord.objects.create(
        agency=agency,
        company=company,
        source="manual",
        license_id="icp-b25",
        number="粤B2-20210001",
        authority="广东省通信管理局",
        issued_on=expires - timedelta(days=5 * 365),
        expires_on=expires,
        recorded_by=consultant,
    )
    return {
        "admin": admin,
        "consultant": consultant,
        "client": client,
        "case": case,
        "record": record,
        "company": company,
    }


def test_reminders_reach_the_inbox_and_the_deadlines_page_with_a_calendar(new_page: Any) -> None:
    data = _arrange()
    mail.outbox.clear()
    assert reminders_send() >= 3  # the correction (consultant, client), the renewal (consultant, client)
    recipients = sorted({m.to[0] for m in mail.outbox})
    assert recipients == ["chen@yunfan.example", "wang@qihang.example"]

    staff = new_page()
    sign_in(staff, data["consultant"].username)
    staff.get_by_test_id("nav-inbox").click()
    expect(staff.get_by_test_id("inbox")).to_contain_text("截止日期提醒")
    expect(staff.get_by_test_id("inbox")).to_contain_text("补正期限（深圳市云帆信息科技有限公司）")
    expect(staff.get_by_test_id("inbox")).to_contain_text(
        "续期申请（深圳市云帆信息科技有限公司，许可证 粤B2-20210001）"
    )
    screenshot(staff, "reminders-inbox-consultant")

    staff.get_by_test_id("nav-deadlines").click()
    expect(staff.get_by_role("heading", name="截止日期与日历订阅")).to_be_visible()
    expect(staff.get_by_test_id("deadlines")).to_contain_text("补正期限（深圳市云帆信息科技有限公司）")
    expect(staff.get_by_test_id("feed-status")).to_have_text("您还没有日历地址。")
    staff.get_by_test_id("feed-create").click()
    url = staff.get_by_test_id("feed-url").input_value()
    assert "/calendar/" in url and url.endswith(".ics")
    screenshot(staff, "reminders-deadlines-consultant")

    response = Client().get(urlsplit(url).path)  # a calendar application: no session
    calendar = Calendar.from_ical(response.content)
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert "补正期限（深圳市云帆信息科技有限公司）" in summaries

    staff.reload()
    expect(staff.get_by_test_id("feed-url")).to_have_count(0)  # shown once
    screenshot(staff, "reminders-deadlines-consultant-after")

    client = new_page()
    sign_in(client, data["client"].username)
    client.get_by_test_id("nav-deadlines").click()
    expect(client.get_by_test_id("deadlines")).to_contain_text("补正期限（深圳市云帆信息科技有限公司）")
    expect(client.get_by_test_id("deadlines")).not_to_contain_text("受理期限")  # the authority's clock
    expect(client.get_by_test_id("sent-reminders")).to_contain_text("补正期限（深圳市云帆信息科技有限公司）")
    screenshot(client, "reminders-deadlines-client")

    admin = new_page()
    sign_in(admin, data["admin"].username)
    admin.get_by_test_id("nav-deadlines").click()
    admin.get_by_test_id("reminder-settings-link").click()
    admin.get_by_label("在每个截止日期前多少天提醒").fill("60, 14, 3")
    admin.get_by_test_id("reminder-settings-save").click()
    expect(admin.get_by_role("heading", name="截止日期与日历订阅")).to_be_visible()
    expect(admin.locator(".page-head")).to_contain_text("提醒在截止日期前 60、14、3 天发出。")
    screenshot(admin, "reminders-deadlines-admin")

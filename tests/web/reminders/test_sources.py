"""The reminders over the real sources of deadlines: the case clocks the dated authority events start
(:mod:`licensedesk.web.cases.clocks`) and the duties of the licenses in the register
(:mod:`licensedesk.web.register.selectors`). Dates and clock rules come from those modules; these tests
check who is reminded of what, and that a met or stopped clock is not reminded."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from licensedesk.web.cases.clocks import clocks_for_case
from licensedesk.web.cases.models import CaseEvent, LicenseRecord
from licensedesk.web.inbox.display import target_url
from licensedesk.web.inbox.selectors import inbox_items_for
from licensedesk.web.reminders import services
from licensedesk.web.reminders.deadlines import agency_deadlines
from licensedesk.web.reminders.models import Channel, SentReminder

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIPT = date(2026, 11, 2)  # a Monday; the paper set reached the administration


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def event(case: Any, kind: str, on: date, **reference: str) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        from_stage=case.stage,
        to_stage=case.stage,
        occurred_on=on,
        reference=reference,
        recorded_by=case.consultant,
    )


def given(**filters: Any) -> set[tuple[str, str, str, int]]:
    return {
        (r.deadline_key.split(":")[-1], r.recipient.username, r.channel, r.days_before)
        for r in SentReminder.objects.filter(**filters).select_related("recipient")
    }


def _clock(case: Any, limit_id: str, today: date) -> Any:
    return next(c for c in clocks_for_case(case=case, today=today) if c.limit_id == limit_id and c.statutory)


def test_case_clocks_remind_the_consultant_and_the_correction_reminds_the_client(
    mailed: Any, smtp_server: Any
) -> None:
    case = mailed.case
    case.stage = "paper_submitted"
    case.save()
    consultant, client = mailed.consultant.username, mailed.client.username
    event(case, "paper_delivery", RECEIPT)

    # The day after receipt: the acceptance clock (5 working days) is within a week; the decision clock
    # (60 days) is not within 30. The authority's clocks are the consultant's to watch.
    day = RECEIPT + timedelta(days=1)
    acceptance = _clock(case, "acceptance", day)
    assert acceptance.state == "running" and 0 <= (acceptance.due - day).days <= 7
    deadlines = agency_deadlines(agency=mailed.agency, today=day)
    assert {d.key for d in deadlines} == {
        f"case:{case.pk}:clock:acceptance",
        f"case:{case.pk}:clock:decision",
    }
    assert services.reminders_send(now=at(day)) == 2
    assert given() == {("acceptance", consultant, "inbox", 7), ("acceptance", consultant, "email", 7)}
    [item] = inbox_items_for(user=mailed.consultant)
    assert item.summary_zh == f"受理期限（{mailed.company.name}）：{acceptance.due.isoformat()} 截止"
    assert target_url(item) == reverse("cases:detail", kwargs={"pk": case.pk})

    # A correction request stops the authority's clocks and starts the client's: the client and the
    # consultant are reminded of it (30 days ahead: 16 days are left).
    correction_due = RECEIPT + timedelta(days=20)
    event(case, "correction_request", RECEIPT + timedelta(days=3), due_on=correction_due.isoformat())
    day = RECEIPT + timedelta(days=4)
    assert _clock(case, "acceptance", day).state == "stopped"
    assert services.reminders_send(now=at(day)) == 3
    item.refresh_from_db()  # the stopped acceptance clock no longer asks for attention
    assert item.resolved
    assert given(deadline_key__endswith=":correction") == {
        ("correction", consultant, "inbox", 30),
        ("correction", consultant, "email", 30),
        ("correction", client, "email", 30),
    }
    client_mail = next(m for _, [rcpt], m in smtp_server.messages if rcpt == mailed.client.email)
    assert f"/portal/cases/{case.pk}/" in client_mail.get_payload(decode=True).decode()

    # The client submits the corrections: the correction clock is met, nothing more is said about it;
    # the acceptance clock restarts with a new due date, which is reminded afresh.
    event(case, "correction_submission", RECEIPT + timedelta(days=10))
    day = RECEIPT + timedelta(days=14)  # 6 days before the old correction date: would be the 7-day one
    restarted = _clock(case, "acceptance", day)
    assert restarted.state == "running" and restarted.due != acceptance.due
    services.reminders_send(now=at(day))
    assert not SentReminder.objects.filter(deadline_key__endswith=":correction", days_before=7).exists()
    assert SentReminder.objects.filter(deadline_key__endswith=":acceptance", due=restarted.due).exists()


def test_a_license_in_the_register_reminds_its_annual_report(mailed: Any, smtp_server: Any) -> None:
    """A license entered by hand (no case): the annual report for 2026 is due on 31 March 2027; on
    1 March the consultant of the company's case and the client are reminded, 30 days ahead."""
    record = LicenseRecord.objects.create(
        agency=mailed.agency,
        company=mailed.company,
        case=None,
        source="manual",
        license_id="icp-b25",
        number="粤B2-20260001",
        authority="广东省通信管理局",
        issued_on=date(2026, 11, 10),
        expires_on=date(2031, 11, 10),
        recorded_by=mailed.consultant,
    )
    day = date(2027, 3, 1)
    [report] = [d for d in agency_deadlines(agency=mailed.agency, today=day) if d.source == "license_duty"][
        :1
    ]
    assert (report.key, report.due, report.for_client, report.consultant_id) == (
        f"license:{record.pk}:annual_report:2026",
        date(2027, 3, 31),
        True,
        mailed.consultant.pk,
    )
    assert services.reminders_send(now=at(day)) == 3
    assert {(r.recipient.username, r.channel, r.days_before) for r in SentReminder.objects.all()} == {
        (mailed.consultant.username, Channel.INBOX, 30),
        (mailed.consultant.username, Channel.EMAIL, 30),
        (mailed.client.username, Channel.EMAIL, 30),
    }
    [item] = inbox_items_for(user=mailed.consultant)
    assert (item.case_id, item.company_id) == (None, mailed.company.pk)
    assert target_url(item) == reverse("register:detail", kwargs={"pk": record.pk})
    assert item.summary_zh == f"年度报告（{mailed.company.name}，许可证 粤B2-20260001）：2027-03-31 截止"
    # Another agency's job reminds nobody of it.
    assert not SentReminder.objects.exclude(agency=mailed.agency).exists()


def test_a_revoked_license_is_not_reminded(mailed: Any, smtp_server: Any) -> None:
    LicenseRecord.objects.create(
        agency=mailed.agency,
        company=mailed.company,
        source="manual",
        license_id="icp-b25",
        number="粤B2-20260002",
        issued_on=date(2026, 11, 10),
        expires_on=date(2031, 11, 10),
        ended_status="revoked",
        ended_on=date(2027, 1, 5),
        ended_reason="吊销",
        recorded_by=mailed.consultant,
    )
    assert services.reminders_send(now=at(date(2027, 3, 1))) == 0
    assert smtp_server.messages == []

"""The reminder job's own rules, over a stand-in source of deadlines (conftest ``deadlines``): who is
reminded, on which days (30, 7, 1 and an agency's own days), once (run twice), after a stop (one
reminder, the relevant one), the emails on a real SMTP server, and nothing across agencies."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from email.header import decode_header, make_header
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.mail import EmailMessage

from licensedesk.core.errors import InvalidInput, PermissionDenied
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.housekeeping import housekeeping_run
from licensedesk.web.inbox.models import InboxItem, InboxKind
from licensedesk.web.inbox.selectors import inbox_items_for
from licensedesk.web.reminders import services
from licensedesk.web.reminders.models import Channel, SentReminder
from licensedesk.web.reminders.selectors import reminder_days

from .conftest import case_deadline

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = date(2027, 6, 30)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def _subject(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _body(message: Any) -> str:
    return message.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")  # SMTP sends CRLF


def _given() -> set[tuple[str, str, int]]:
    return {
        (row.recipient.username, row.channel, row.days_before)
        for row in SentReminder.objects.select_related("recipient")
    }


def _run_daily(first: int, last: int) -> dict[int, int]:
    """Run the job once a day from ``first`` to ``last`` days before DUE; what each day gave."""
    given = {}
    for before in range(first, last - 1, -1):
        count = services.reminders_send(now=at(DUE - timedelta(days=before)))
        if count:
            given[before] = count
    return given


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(45, None), (31, None), (30, 30), (12, 30), (8, 30), (7, 7), (5, 7), (2, 7), (1, 1), (0, 1), (-1, None)],
)
def test_the_reminder_due_is_the_smallest_day_not_below_the_days_left(days_left: int, expected: Any) -> None:
    assert services.reminder_day_for(days_left, (30, 7, 1)) == expected


def test_the_consultant_and_the_client_are_reminded_30_7_and_1_days_before(
    mailed: Any, deadlines: Any, smtp_server: Any
) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    # Each of those days: the consultant's inbox item, the consultant's email, the client's email.
    assert _run_daily(40, 0) == {30: 3, 7: 3, 1: 3}
    consultant, client = mailed.consultant.username, mailed.client.username
    assert _given() == {
        (who, channel, day)
        for day in (30, 7, 1)
        for who, channel in ((consultant, "inbox"), (consultant, "email"), (client, "email"))
    }
    assert sorted(rcpt for _, [rcpt], _ in smtp_server.messages) == sorted(
        ["wang@a.example", "chen@a.example"] * 3
    )
    items = inbox_items_for(user=mailed.consultant)
    # The item says the date, not the days left: it stays true while it waits to be read.
    assert [i.summary_zh for i in items] == [f"补正期限（{mailed.company.name}）：2027-06-30 截止"] * 3
    assert items[0].summary_en == f"Correction deadline ({mailed.company.name}): due 2027-06-30"
    assert {(i.kind, i.case_id, i.link) for i in items} == {
        (InboxKind.REMINDER, mailed.case.pk, f"/cases/{mailed.case.pk}/")
    }
    # The other consultant, the other company's client and the admin were told nothing.
    assert not inbox_items_for(user=mailed.other_consultant).exists()
    assert not inbox_items_for(user=mailed.admin).exists()


def test_the_client_is_not_reminded_of_the_authoritys_own_clock(
    mailed: Any, deadlines: Any, smtp_server: Any
) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE, limit="decision", for_client=False)]
    assert services.reminders_send(now=at(DUE - timedelta(days=7))) == 2
    assert [rcpt for _, [rcpt], _ in smtp_server.messages] == ["wang@a.example"]


def test_an_agency_reminds_on_its_own_days(
    mailed: Any, other_mailed: Any, deadlines: Any, smtp_server: Any
) -> None:
    setting = services.reminder_days_set(actor=mailed.admin, days=[3, 14])
    assert setting.days_before == [14, 3]
    assert reminder_days(agency_id=mailed.agency.pk) == (14, 3)
    assert reminder_days(agency_id=other_mailed.agency.pk) == (30, 7, 1)  # the other agency: default
    event = AuditEvent.objects.get(action="reminders.days_changed")
    assert (event.agency_id, event.before, event.after) == (
        mailed.agency.pk,
        {"days_before": [30, 7, 1]},
        {"days_before": [14, 3]},
    )
    deadlines.items = [
        case_deadline(mailed.case, DUE, for_client=False),
        case_deadline(other_mailed.case, DUE, for_client=False),
    ]
    days: dict[str, set[int]] = {}
    for before in range(35, -1, -1):
        services.reminders_send(now=at(DUE - timedelta(days=before)))
    for row in SentReminder.objects.filter(channel=Channel.EMAIL).select_related("recipient"):
        days.setdefault(row.recipient.email, set()).add(row.days_before)
    assert days == {"wang@a.example": {14, 3}, "wang@b.example": {30, 7, 1}}


def test_only_an_admin_sets_the_days_and_only_sensible_ones(mailed: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.reminder_days_set(actor=mailed.consultant, days=[10])
    with pytest.raises(InvalidInput) as refused:
        services.reminder_days_set(actor=mailed.admin, days=[400])
    assert refused.value.code == "reminders.days_invalid"
    assert services.parse_days("30，7、 1") == [30, 7, 1]
    with pytest.raises(InvalidInput):
        services.parse_days("30, seven")


def test_running_twice_gives_nothing_twice(mailed: Any, deadlines: Any, smtp_server: Any) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    now = at(DUE - timedelta(days=7))
    assert services.reminders_send(now=now) == 3
    assert services.reminders_send(now=now) == 0
    assert services.reminders_send(now=now + timedelta(hours=5)) == 0
    assert SentReminder.objects.count() == 3
    assert InboxItem.objects.filter(kind=InboxKind.REMINDER).count() == 1
    assert len(smtp_server.messages) == 2


def test_after_a_stop_each_deadline_gets_one_reminder_the_one_for_where_it_stands(
    mailed: Any, deadlines: Any, smtp_server: Any
) -> None:
    """The server was down from 40 days before to 5 days before: the first run sends the 7-day
    reminder once, saying 5 days are left; never the 30-day one it missed."""
    deadlines.items = [case_deadline(mailed.case, DUE)]
    assert services.reminders_send(now=at(DUE - timedelta(days=40))) == 0
    assert _run_daily(5, 2) == {5: 3}
    assert {day for _, _, day in _given()} == {7}
    subjects = {_subject(m) for _, _, m in smtp_server.messages}
    assert subjects == {
        f"截止提醒：补正期限（{mailed.company.name}），2027-06-30（还有 5 天）"
        f" / Reminder: Correction deadline ({mailed.company.name}), 2027-06-30 (5 days left)",
        f"截止提醒：补正期限（{mailed.company.name}），2027-06-30（还有 5 天）",
    }
    assert _run_daily(1, 0) == {1: 3}


def test_a_deadline_met_before_its_day_is_not_reminded(mailed: Any, deadlines: Any, smtp_server: Any) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    assert services.reminders_send(now=at(DUE - timedelta(days=30))) == 3
    [item] = inbox_items_for(user=mailed.consultant)
    assert item.read_at is None
    deadlines.items = []  # met: the source no longer states it
    assert _run_daily(7, -1) == {}
    assert len(smtp_server.messages) == 2
    item.refresh_from_db()  # the inbox no longer asks for it
    assert (item.read_at is not None, item.resolved) == (True, True)


def test_a_reminder_whose_date_passed_is_not_marked_dealt_with(mailed: Any, deadlines: Any) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    services.reminders_send(now=at(DUE - timedelta(days=1)))
    deadlines.items = []  # past its date the source may drop it: that is not "met"
    services.reminders_send(now=at(DUE + timedelta(days=1)))
    [item] = inbox_items_for(user=mailed.consultant)
    assert (item.read_at, item.resolved) == (None, False)


def test_a_moved_due_date_is_reminded_afresh(mailed: Any, deadlines: Any, smtp_server: Any) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    assert services.reminders_send(now=at(DUE - timedelta(days=7))) == 3
    later = DUE + timedelta(days=20)  # the clock stopped and restarted
    deadlines.items = [case_deadline(mailed.case, later)]
    assert services.reminders_send(now=at(DUE - timedelta(days=6))) == 3
    assert SentReminder.objects.filter(due=later, days_before=30).count() == 3


def test_nothing_is_sent_before_the_morning(mailed: Any, deadlines: Any, settings: Any) -> None:
    settings.REMINDERS_SEND_HOUR = 8
    deadlines.items = [case_deadline(mailed.case, DUE)]
    assert services.reminders_send(now=at(DUE - timedelta(days=7), hour=7)) == 0
    assert services.reminders_send(now=at(DUE - timedelta(days=7), hour=8)) == 3


def test_a_case_without_consultant_is_reminded_in_the_admins_inbox(
    mailed: Any, deadlines: Any, smtp_server: Any
) -> None:
    mailed.case2.consultant = None
    mailed.case2.save()
    deadlines.items = [case_deadline(mailed.case2, DUE, for_client=False)]
    assert services.reminders_send(now=at(DUE - timedelta(days=1))) == 1
    [item] = inbox_items_for(user=mailed.admin)
    assert (item.recipient, item.case_id) == (mailed.admin, mailed.case2.pk)
    assert not inbox_items_for(user=mailed.other_consultant).exists()
    assert smtp_server.messages == []
    assert services.reminders_send(now=at(DUE - timedelta(days=1), hour=12)) == 0


def test_nothing_crosses_agencies(mailed: Any, other_mailed: Any, deadlines: Any, smtp_server: Any) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    assert services.reminders_send(now=at(DUE - timedelta(days=7))) == 3
    assert not inbox_items_for(user=other_mailed.consultant).exists()
    assert not inbox_items_for(user=other_mailed.admin).exists()
    assert {rcpt for _, [rcpt], _ in smtp_server.messages} == {"wang@a.example", "chen@a.example"}


def test_a_deactivated_consultant_or_client_is_not_emailed(
    mailed: Any, deadlines: Any, smtp_server: Any
) -> None:
    mailed.client.is_active = False
    mailed.client.save()
    mailed.consultant.is_active = False
    mailed.consultant.save()
    deadlines.items = [case_deadline(mailed.case, DUE)]
    assert services.reminders_send(now=at(DUE - timedelta(days=7))) == 1  # the admins' inbox
    assert smtp_server.messages == []
    [item] = inbox_items_for(user=mailed.admin)
    assert item.recipient == mailed.admin


def test_a_failed_send_is_retried_by_the_next_run(
    mailed: Any, deadlines: Any, smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE, for_client=False)]
    real_send = EmailMessage.send

    def failing(self: EmailMessage, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", failing)
    assert services.reminders_send(now=at(DUE - timedelta(days=7))) == 1  # the inbox item only
    assert _given() == {(mailed.consultant.username, "inbox", 7)}
    monkeypatch.setattr(EmailMessage, "send", real_send)
    assert services.reminders_send(now=at(DUE - timedelta(days=6))) == 1
    assert [rcpt for _, [rcpt], _ in smtp_server.messages] == ["wang@a.example"]


def test_the_emails_on_a_real_smtp_server(mailed: Any, deadlines: Any, smtp_server: Any) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    services.reminders_send(now=at(DUE - timedelta(days=7)))
    mails = {rcpt: m for _, [rcpt], m in smtp_server.messages}
    company, case = mailed.company.name, mailed.case
    staff = _body(mails["wang@a.example"])
    assert staff == (
        f"补正期限（{company}）\n"
        "截止日期：2027-06-30（还有 7 天）\n"
        f"案件 {case.number}\n"
        "依据：中华人民共和国行政许可法 第三十二条\n"
        "\n"
        f"查看：http://127.0.0.1:8000/cases/{case.pk}/\n"
        "\n—\n\n"
        f"Correction deadline ({company})\n"
        "Due: 2027-06-30 (7 days left)\n"
        f"Case {case.number}\n"
        "Basis: 中华人民共和国行政许可法 第三十二条\n"
        "\n"
        f"Open it: http://127.0.0.1:8000/cases/{case.pk}/\n"
    )
    client = mails["chen@a.example"]
    assert _subject(client) == f"截止提醒：补正期限（{company}），2027-06-30（还有 7 天）"
    assert _body(client) == (
        "您好：\n\n"
        f"补正期限（{company}），截止日期为 2027-06-30（还有 7 天）。\n"
        f"案件 {case.number}\n"
        "依据：中华人民共和国行政许可法 第三十二条\n"
        "\n"
        f"查看详情：http://127.0.0.1:8000/portal/cases/{case.pk}/\n"
        "\n"
        f"如有疑问，请联系{mailed.agency.name}的顾问。\n"
    )


def test_an_unverified_basis_and_an_approximate_date_are_said_so(
    mailed: Any, deadlines: Any, smtp_server: Any
) -> None:
    from dataclasses import replace

    deadlines.items = [replace(case_deadline(mailed.case, DUE), certainty="U", approximate=True)]
    services.reminders_send(now=at(DUE - timedelta(days=1)))
    body = {rcpt: _body(m) for _, [rcpt], m in smtp_server.messages}["chen@a.example"]
    assert "依据：中华人民共和国行政许可法 第三十二条（该依据尚待核实）\n" in body
    assert "该年度的法定节假日安排尚未公布，截止日期按周一至周五估算。\n" in body
    assert "明天截止" in body


def test_the_housekeeping_runs_the_job(mailed: Any, deadlines: Any, smtp_server: Any) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    report = housekeeping_run(now=at(DUE - timedelta(days=30)))
    assert report.tasks["housekeeping.deadline_reminders"] == 3
    assert report.errors == {}


def test_a_deadline_still_open_after_its_date_is_flagged_overdue_in_the_inbox_once(
    mailed: Any, deadlines: Any, smtp_server: Any
) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    assert _run_daily(1, 0) == {1: 3}
    # the day after: one overdue notice in the consultant's inbox, no email, and never again
    assert _run_daily(-1, -4) == {-1: 1}
    assert len(smtp_server.messages) == 2
    assert (mailed.consultant.username, "inbox", services.OVERDUE) in _given()
    newest = inbox_items_for(user=mailed.consultant).order_by("-pk").first()
    assert newest.summary_zh == f"已逾期：补正期限（{mailed.company.name}），2027-06-30 截止"
    assert newest.summary_en == f"Overdue: Correction deadline ({mailed.company.name}), due 2027-06-30"
    assert not inbox_items_for(user=mailed.client).exists()


def test_a_deadline_met_late_gets_no_overdue_notice(mailed: Any, deadlines: Any) -> None:
    deadlines.items = [case_deadline(mailed.case, DUE)]
    services.reminders_send(now=at(DUE))
    deadlines.items = []  # met on its last day: the source no longer states it
    assert _run_daily(-1, -3) == {}

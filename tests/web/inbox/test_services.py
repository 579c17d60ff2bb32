"""The inbox's services and selectors through the real services that make the events: a client's
upload, message and profile change; overdue tasks; the daily digest over a real SMTP server."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from licensedesk.core.errors import NotFound
from licensedesk.web.cases.services import company_profile_update, note_create, task_complete, task_create
from licensedesk.web.housekeeping import housekeeping_run
from licensedesk.web.inbox import selectors, services
from licensedesk.web.inbox.models import EmailMode, InboxItem, InboxKind
from licensedesk.web.materials import services as materials

from .conftest import material, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _subject(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _body(message: Any) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def _upload(tenant: Any, material_id: str = "business_license", actor: Any = None) -> Any:
    return materials.material_upload(
        material=material(tenant.case, material_id), actor=actor or tenant.client, files=[pdf("营业执照.pdf")]
    )


def test_a_client_upload_is_an_unread_item_and_an_email_for_the_consultant(
    mailed: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        version = _upload(mailed)
    title = material(mailed.case, "business_license").title_zh
    [item] = selectors.inbox_items_for(user=mailed.consultant)
    assert (item.kind, item.recipient, item.read_at) == (InboxKind.UPLOAD, mailed.consultant, None)
    assert (item.source_type, item.source_id, item.summary_zh) == (
        "materials.materialversion",
        version.pk,
        title,
    )
    assert selectors.inbox_unread_count(user=mailed.consultant) == 1
    [(_, recipients, message)] = smtp_server.messages
    assert recipients == ["wang@agency.example"]
    company = mailed.company.name
    assert _subject(message) == f"{company}上传了新材料，待审核 / {company} uploaded a material to review"
    assert f"{company} 上传了材料「{title}」，待您审核。" in _body(message)
    assert "在收件箱中查看：http://127.0.0.1:8000/inbox/" in _body(message)


def test_a_client_message_is_an_item_and_an_email(
    mailed: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        note = note_create(case=mailed.case, author=mailed.client, body="营业执照已重新扫描，请查收。")
    [item] = selectors.inbox_items_for(user=mailed.consultant)
    assert (item.kind, item.source_id, item.summary_zh) == (
        InboxKind.MESSAGE,
        note.pk,
        "营业执照已重新扫描，请查收。",
    )
    [(_, recipients, message)] = smtp_server.messages
    assert recipients == ["wang@agency.example"]
    assert _subject(message).startswith(f"{mailed.company.name}给您留言")
    assert f"{mailed.company.name} 留言：营业执照已重新扫描，请查收。" in _body(message)


def test_a_client_profile_change_is_an_item_without_email(
    mailed: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    profile = copy.deepcopy(mailed.company.profile)
    profile["company"]["registered_capital_cny"] = 2_000_000
    with django_capture_on_commit_callbacks(execute=True):
        company_profile_update(company=mailed.company, profile=profile, actor=mailed.client)
    [item] = selectors.inbox_items_for(user=mailed.consultant)
    assert (item.kind, item.case_id, item.summary_zh) == (
        InboxKind.PROFILE_CHANGE,
        mailed.case.pk,
        "公司信息（1 项）",
    )
    assert "." not in item.summary_zh and "registered" not in item.summary_en  # words, not field paths
    assert smtp_server.messages == []


def test_what_staff_do_themselves_is_not_in_their_inbox(mailed: Any) -> None:
    _upload(mailed, actor=mailed.consultant)
    note_create(case=mailed.case, author=mailed.consultant, body="内部备注")
    assert list(selectors.inbox_items_for(user=mailed.consultant)) == []


def test_opening_marks_read_once_and_the_count_drops(mailed: Any) -> None:
    _upload(mailed)
    _upload(mailed, "financial_report")
    [_newest, oldest] = selectors.inbox_items_for(user=mailed.consultant)
    assert selectors.inbox_unread_count(user=mailed.consultant) == 2
    opened = services.inbox_item_mark_read(item_id=oldest.pk, actor=mailed.consultant)
    assert opened.read_at is not None
    assert selectors.inbox_unread_count(user=mailed.consultant) == 1
    again = services.inbox_item_mark_read(item_id=oldest.pk, actor=mailed.consultant)
    assert again.read_at == opened.read_at


def test_no_one_else_sees_or_opens_the_item(mailed: Any, other_tenant: Any) -> None:
    _upload(mailed)
    [item] = InboxItem.objects.all()
    for outsider in (other_tenant.consultant, other_tenant.admin, mailed.other_consultant, mailed.client):
        assert list(selectors.inbox_items_for(user=outsider)) == []
        assert selectors.inbox_unread_count(user=outsider) == 0
        with pytest.raises(NotFound) as refused:
            services.inbox_item_mark_read(item_id=item.pk, actor=outsider)
        assert refused.value.message_zh == "没有这条收件箱条目。"
    assert InboxItem.objects.get().read_at is None


def test_a_case_without_consultant_is_the_admins_until_one_is_assigned(mailed: Any) -> None:
    mailed.case.consultant = None
    mailed.case.save()
    _upload(mailed)
    [item] = InboxItem.objects.all()
    assert item.recipient is None
    assert [i.pk for i in selectors.inbox_items_for(user=mailed.admin)] == [item.pk]
    assert selectors.inbox_unread_count(user=mailed.consultant) == 0
    mailed.case.consultant = mailed.consultant
    mailed.case.save()
    assert selectors.inbox_unread_count(user=mailed.admin) == 0
    assert [i.pk for i in selectors.inbox_items_for(user=mailed.consultant)] == [item.pk]


def test_the_digest_sends_everything_once_and_catches_up_once(
    mailed: Any, smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.inbox_preference_set(actor=mailed.consultant, email_mode=EmailMode.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(mailed)
        note_create(case=mailed.case, author=mailed.client, body="请问还缺什么？")
    assert smtp_server.messages == []  # the digest user gets no email at once

    tomorrow = timezone.localdate() + timedelta(days=1)
    nine = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, tzinfo=SHANGHAI)
    assert services.inbox_digest_send(now=nine) == 1
    assert services.inbox_digest_send(now=nine + timedelta(hours=2)) == 0  # the same day: nothing again
    [(_, recipients, message)] = smtp_server.messages
    assert recipients == ["wang@agency.example"]
    assert _subject(message) == "收件箱每日汇总：2 条新事项 / Inbox digest: 2 new item(s)"
    body = _body(message)
    title = material(mailed.case, "business_license").title_zh
    assert f"{mailed.company.name} 上传了材料「{title}」，待您审核。" in body
    assert f"{mailed.company.name} 留言：请问还缺什么？" in body

    _upload(mailed, "financial_report")
    three_days_later = nine + timedelta(days=3)
    assert services.inbox_digest_send(now=three_days_later) == 1  # one catch-up, not three
    assert services.inbox_digest_send(now=three_days_later) == 0
    assert len(smtp_server.messages) == 2
    catch_up = _body(smtp_server.messages[1][2])
    report = material(mailed.case, "financial_report").title_zh
    assert _subject(smtp_server.messages[1][2]).startswith("收件箱每日汇总：1 条新事项")
    assert f"上传了材料「{report}」" in catch_up
    assert "请问还缺什么？" not in catch_up  # never the same item twice


def test_overdue_tasks_enter_the_inbox_once_through_housekeeping(mailed: Any) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    task = task_create(case=mailed.case, actor=mailed.admin, title="催客户补营业执照", due_on=yesterday)
    task_create(case=mailed.case, actor=mailed.admin, title="下周再说", due_on=yesterday + timedelta(days=8))
    first = housekeeping_run()
    second = housekeeping_run()
    assert first.tasks["housekeeping.inbox_overdue_tasks"] == 1
    assert second.tasks["housekeeping.inbox_overdue_tasks"] == 0
    [item] = selectors.inbox_items_for(user=mailed.consultant)
    assert (item.kind, item.source_id, item.summary_zh) == (
        InboxKind.TASK_OVERDUE,
        task.pk,
        "催客户补营业执照",
    )


def test_a_reviewed_upload_and_a_done_task_leave_the_unread_count(mailed: Any) -> None:
    version = _upload(mailed)
    yesterday = timezone.localdate() - timedelta(days=1)
    task = task_create(case=mailed.case, actor=mailed.admin, title="催客户补材料", due_on=yesterday)
    services.inbox_overdue_tasks()
    assert selectors.inbox_unread_count(user=mailed.consultant) == 2
    materials.version_reject(version=version, actor=mailed.consultant, reason="seal_missing", text="请盖章")
    assert selectors.inbox_unread_count(user=mailed.consultant) == 1
    task_complete(task=task, actor=mailed.consultant)
    assert selectors.inbox_unread_count(user=mailed.consultant) == 0


def test_the_demo_fills_the_inbox_truthfully_and_emails_no_one(
    db: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from licensedesk.web.accounts.models import User
    from licensedesk.web.demo.services import demo_load
    from licensedesk.web.materials.models import MaterialVersion, ReviewStatus

    with django_capture_on_commit_callbacks(execute=True):
        demo_load()
    assert [m.subject for m in mailoutbox if "上传" in m.subject or "留言" in m.subject] == []
    wang = User.objects.get(username="demo-wang")
    unread = list(selectors.inbox_items_for(user=wang, unread_only=True))
    assert unread and selectors.inbox_unread_count(user=wang) == len(unread)
    for item in unread:
        if item.kind == InboxKind.UPLOAD:  # "awaiting review" is true of every unread upload
            version = MaterialVersion.objects.get(pk=item.source_id)
            assert version.review_status == ReviewStatus.PENDING
    demo_load()  # idempotent: loading again adds nothing
    assert selectors.inbox_unread_count(user=wang) == len(unread)


def test_a_failed_email_is_not_counted_as_sent(
    mailed: Any, settings: Any, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        _upload(mailed)  # the upload itself succeeds
    item = InboxItem.objects.get()
    assert item.emailed_at is None and item.read_at is None
    assert "inbox: emailing item" in caplog.text


def test_the_digest_waits_for_its_hour_and_skips_what_was_read(mailed: Any, smtp_server: Any) -> None:
    services.inbox_preference_set(actor=mailed.consultant, email_mode=EmailMode.DIGEST)
    _upload(mailed)
    opened = _upload(mailed, "financial_report")
    item = InboxItem.objects.get(source_id=opened.pk)
    services.inbox_item_mark_read(item_id=item.pk, actor=mailed.consultant)
    tomorrow = timezone.localdate() + timedelta(days=1)
    seven = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 7, 59, tzinfo=SHANGHAI)
    if timezone.localtime().hour < 8:  # switched to the digest before today's 08:00: today's is due
        seven -= timedelta(days=1)
    assert services.inbox_digest_send(now=seven) == 0  # before 08:00: not yet
    assert services.inbox_digest_send(now=seven + timedelta(minutes=1)) == 1
    [(_, _, message)] = smtp_server.messages
    assert _subject(message).startswith("收件箱每日汇总：1 条新事项")

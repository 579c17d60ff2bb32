"""The emails of the inbox: one per item (a client upload or message, sent when it happens) or a daily
digest of them. Chinese first, then English; they link to the inbox, where opening an item marks it read.
Addresses are built from ``LICENSEDESK_BASE_URL`` (an email is read away from any request)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from licensedesk.web.inbox.models import InboxItem, InboxKind


def inbox_link() -> str:
    base = getattr(settings, "LICENSEDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return base + reverse("inbox:list")


def _line_zh(item: InboxItem) -> str:
    company = item.case.company.name
    if item.kind == InboxKind.UPLOAD:
        return f"{company} 上传了材料「{item.summary_zh}」，待您审核。"
    if item.kind == InboxKind.MESSAGE:
        return f"{company} 留言：{item.summary_zh}"
    if item.kind == InboxKind.PROFILE_CHANGE:
        return f"{company} 修改了企业档案：{item.summary_zh}。"
    return f"{company} 的任务已逾期：{item.summary_zh}。"


def _line_en(item: InboxItem) -> str:
    company = item.case.company.name
    summary = item.summary_en or item.summary_zh
    if item.kind == InboxKind.UPLOAD:
        return f"{company} uploaded “{summary}”, waiting for your review."
    if item.kind == InboxKind.MESSAGE:
        return f"{company} wrote: {summary}"
    if item.kind == InboxKind.PROFILE_CHANGE:
        return f"{company} changed the company profile: {summary}."
    return f"A task of {company} is overdue: {summary}."


def _when(item: InboxItem) -> str:
    return timezone.localtime(item.created_at).strftime("%Y-%m-%d %H:%M")


def item_message(*, item: InboxItem, to: str) -> EmailMessage:
    """The email telling the recipient of one new item."""
    company = item.case.company.name
    if item.kind == InboxKind.UPLOAD:
        # No space before the Chinese verb (Chinese typography; a space beside an encoded word is also lost
        # when the header is folded).
        subject = f"{company}上传了新材料，待审核 / {company} uploaded a material to review"
    else:
        subject = f"{company}给您留言 / A message from {company}"
    body = "\n".join(
        [
            _line_zh(item),
            "",
            f"在收件箱中查看：{inbox_link()}",
            "",
            "—",
            "",
            _line_en(item),
            "",
            f"Open it in your inbox: {inbox_link()}",
            "",
        ]
    )
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])


def digest_message(*, items: Sequence[InboxItem], to: str) -> EmailMessage:
    """The daily digest: every item not emailed yet, oldest first."""
    count = len(items)
    subject = f"收件箱每日汇总：{count} 条新事项 / Inbox digest: {count} new item(s)"
    zh = [f"- {_when(i)} {_line_zh(i)}" for i in items]
    en = [f"- {_when(i)} {_line_en(i)}" for i in items]
    body = "\n".join(
        [
            f"自上次汇总以来，有 {count} 条需要您处理的事项：",
            *zh,
            "",
            f"在收件箱中查看：{inbox_link()}",
            "",
            "—",
            "",
            f"{count} item(s) need your attention since the last digest:",
            *en,
            "",
            f"Open your inbox: {inbox_link()}",
            "",
        ]
    )
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])

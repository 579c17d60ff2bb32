"""The reminder emails. Staff get Chinese first, then English; a client user gets Chinese only (the
clients are Chinese companies). Each says what is due, on which date, how many days are left as of the
day it is sent, the legal basis (marked when not verified) and where to see it. Addresses are built
from ``LICENSEDESK_BASE_URL`` (the job runs away from any request)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage

from licensedesk.web.reminders.deadlines import Deadline


def absolute(path: str, base_url: str = "") -> str:
    return (base_url or settings.LICENSEDESK_BASE_URL).rstrip("/") + path


def when_zh(days_left: int) -> str:
    if days_left == 0:
        return "今天截止"
    if days_left == 1:
        return "明天截止"
    return f"还有 {days_left} 天"


def when_en(days_left: int) -> str:
    if days_left == 0:
        return "due today"
    if days_left == 1:
        return "due tomorrow"
    return f"{days_left} days left"


def notes_zh(deadline: Deadline) -> list[str]:
    out = []
    if deadline.citations:
        basis = "；".join(deadline.citations)
        out.append(f"依据：{basis}" + ("（该依据尚待核实）" if deadline.uncertain else ""))
    elif deadline.uncertain:
        out.append("该期限的依据尚待核实。")
    if deadline.approximate:
        out.append("该年度的法定节假日安排尚未公布，截止日期按周一至周五估算。")
    return out


def notes_en(deadline: Deadline) -> list[str]:
    out = []
    if deadline.citations:
        basis = "; ".join(deadline.citations)
        out.append(f"Basis: {basis}" + (" (not yet verified)" if deadline.uncertain else ""))
    elif deadline.uncertain:
        out.append("The basis of this time limit is not yet verified.")
    if deadline.approximate:
        out.append(
            "The holidays of that year are not published yet: the date is counted on Monday to Friday."
        )
    return out


def staff_message(*, deadline: Deadline, today: date, to: str) -> EmailMessage:
    """The consultant's reminder (Chinese, then English)."""
    left = deadline.days_left(today)
    due = deadline.due.isoformat()
    link = absolute(deadline.path)
    subject = (
        f"截止提醒：{deadline.title_zh}，{due}（{when_zh(left)}）"
        f" / Reminder: {deadline.title_en}, {due} ({when_en(left)})"
    )
    body = "\n".join(
        [
            f"{deadline.title_zh}",
            f"截止日期：{due}（{when_zh(left)}）",
            *([deadline.detail_zh] if deadline.detail_zh else []),
            *notes_zh(deadline),
            "",
            f"查看：{link}",
            "",
            "—",
            "",
            f"{deadline.title_en}",
            f"Due: {due} ({when_en(left)})",
            *([deadline.detail_en] if deadline.detail_en else []),
            *notes_en(deadline),
            "",
            f"Open it: {link}",
            "",
        ]
    )
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])


def client_message(*, deadline: Deadline, today: date, to: str, agency_name: str) -> EmailMessage:
    """A client user's reminder, in Chinese."""
    left = deadline.days_left(today)
    due = deadline.due.isoformat()
    subject = f"截止提醒：{deadline.title_zh}，{due}（{when_zh(left)}）"
    body = "\n".join(
        [
            "您好：",
            "",
            f"{deadline.title_zh}，截止日期为 {due}（{when_zh(left)}）。",
            *([deadline.detail_zh] if deadline.detail_zh else []),
            *notes_zh(deadline),
            "",
            f"查看详情：{absolute(deadline.client_path)}",
            "",
            f"如有疑问，请联系{agency_name}的顾问。",
            "",
        ]
    )
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])

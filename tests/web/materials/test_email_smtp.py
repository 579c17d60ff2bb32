"""The review-round email through a real SMTP server on loopback (aiosmtpd, started by the test): what
the client's mailbox receives, Chinese first."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from licensedesk.web.materials import services

from .conftest import material, pdf

pytestmark = pytest.mark.django_db


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[_Mailbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    smtp = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
    }
    settings.MAILERS = {"default": smtp}  # Django 6.1's mail settings (see settings.py)
    try:
        yield mailbox
    finally:
        controller.stop()


def test_the_client_receives_one_email_per_round_over_smtp(
    checked: Any, smtp_server: _Mailbox, settings: Any
) -> None:
    checked.client.email = "chen@yunfan.example"
    checked.client.save()
    letter = services.material_upload(
        material=material(checked.case, "application_letter"), actor=checked.client, files=[pdf("申请书.pdf")]
    )
    report = services.material_upload(
        material=material(checked.case, "financial_report"),
        actor=checked.client,
        files=[pdf("2023年审计报告.pdf")],
    )
    services.version_reject(
        version=letter, actor=checked.consultant, reason="signature_missing", text="法定代表人未签字"
    )
    services.version_reject(
        version=report, actor=checked.consultant, reason="expired", text="请提供最近12个月内的报告"
    )
    services.review_round_finish(case=checked.case, actor=checked.consultant)

    [(sender, recipients, message)] = smtp_server.messages
    assert recipients == ["chen@yunfan.example"]
    assert sender == "noreply@licensedesk.localhost"  # DEFAULT_FROM_EMAIL
    subject = str(make_header(decode_header(message["Subject"])))
    company = checked.company.name
    assert subject == (
        f"{company}ICP 许可证申请：请重新提交 2 项材料"
        f" / {company} ICP license application: 2 material(s) to send again"
    )
    body = (
        message.get_payload(decode=True)
        .decode(message.get_content_charset() or "utf-8")
        .replace("\r\n", "\n")
    )
    assert body.startswith(f"{company}：\n")
    assert (
        "1. 法定代表人签署的书面申请\n   原因：缺少签字——法定代表人未签字\n"
        "   退回的文件：申请书.pdf（第 1 版）" in body
    )
    assert (
        "2. 最近经会计师事务所审计的财务报告或验资报告\n   原因：文件已过期——请提供最近12个月内的报告" in body
    )
    assert body.index("原因：缺少签字") < body.index("Reason: Signature missing")  # Chinese first
    assert f"{settings.LICENSEDESK_BASE_URL}/cases/{checked.case.pk}/materials/requests/" in body

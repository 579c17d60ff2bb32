"""The review-round email through a real SMTP server on loopback (aiosmtpd, started by the test): what
the client's mailbox receives, Chinese first."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from licensedesk.web.cases.models import Case
from licensedesk.web.materials import services
from licensedesk.web.materials.models import CaseMaterial

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
        f"{company}ICP 许可证申请：还需您提供或重新提交 2 项材料"
        f" / {company} ICP license application: 2 item(s) still needed from you"
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


def _received(mailbox: _Mailbox) -> tuple[str, str]:
    [(_, _, message)] = mailbox.messages
    subject = str(make_header(decode_header(message["Subject"])))
    payload = message.get_payload(decode=True)
    return subject, payload.decode(message.get_content_charset() or "utf-8").replace("\r\n", "\n")


def test_a_round_with_a_rejection_and_missing_materials_lists_all_of_them(
    checked: Any, smtp_server: _Mailbox
) -> None:
    """Found on the demo: the round email said 「本轮审核的材料均已通过，无需补充」 while nine required
    materials were missing. It now lists everything still needed from the client."""
    checked.client.email = "chen@yunfan.example"
    checked.client.save()
    Case.objects.filter(pk=checked.case.pk).update(stage="reviewing_materials")
    checked.case.refresh_from_db()
    credit = services.material_upload(
        material=material(checked.case, "credit_proof"), actor=checked.client, files=[pdf("信用.pdf")]
    )
    services.version_reject(version=credit, actor=checked.consultant, reason="blurred", text="截图看不清")
    services.review_round_finish(case=checked.case, actor=checked.consultant)

    subject, body = _received(smtp_server)
    company = checked.company.name
    assert subject == (
        f"{company}ICP 许可证申请：还需您提供或重新提交 5 项材料"
        f" / {company} ICP license application: 5 item(s) still needed from you"
    )
    assert (
        "目前还需要您提供或重新提交以下 5 项：\n\n1. 营业执照副本复印件（或名称预先核准通知书）（尚未提供）\n"
        in body
    )
    assert "公司信誉情况证明材料（已退回：扫描件模糊或不完整——截图看不清）" in body
    assert "公司概况" not in body  # the agency drafts it: not asked of the client
    assert "均已通过" not in body and "无需" not in body
    assert (
        "Still needed from you (5):" in body and "(rejected: Blurred or incomplete scan — 截图看不清)" in body
    )


def test_a_round_that_leaves_every_required_material_accepted_says_so(
    checked: Any, smtp_server: _Mailbox
) -> None:
    checked.client.email = "chen@yunfan.example"
    checked.client.save()
    profile = checked.company.profile["company"]
    confirm = {
        "company.name": profile["name"],
        "company.uscc": profile["uscc"],
        "company.legal_representative.name": profile["legal_representative"]["name"],
    }
    today = timezone.localdate()
    for item in CaseMaterial.objects.filter(case=checked.case, required=True).select_related("case"):
        version = services.material_upload(material=item, actor=checked.client, files=[pdf()])
        services.version_accept(
            version=version,
            actor=checked.consultant,
            document_date=today - timedelta(days=30) if item.material_id == "financial_report" else None,
            valid_until=today + timedelta(days=365)
            if item.material_id in ("business_license", "pre_approval_documents")
            else None,
            confirmed=confirm if item.material_id == "business_license" else None,
        )
    services.review_round_finish(case=checked.case, actor=checked.consultant)

    subject, body = _received(smtp_server)
    company = checked.company.name
    assert subject == (
        f"{company}ICP 许可证申请：全部必需材料均已通过审核"
        f" / {company} ICP license application: every required material is accepted"
    )
    assert "全部必需材料均已通过审核，目前无需您补充材料。" in body
    assert "Every required material is accepted; nothing more is needed from you for now." in body
    assert "还需要" not in body

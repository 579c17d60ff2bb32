"""An invitation through a real SMTP conversation: an aiosmtpd server on 127.0.0.1 receives what Django's
SMTP backend sends, and the message is read back as the client's mail program would."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings

from licensedesk.web.portal.services import invitation_create

from .conftest import LINK

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_the_client_receives_the_invitation_over_smtp(tenant: Any, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    smtp = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
    }
    with override_settings(MAILERS={"default": smtp}, LICENSEDESK_BASE_URL="http://testserver"):
        invitation_create(case=tenant.case, email="wang.fang@example.cn", actor=tenant.consultant)
    [envelope] = inbox.envelopes  # the handler ran before the server answered the DATA command
    assert envelope.rcpt_tos == ["wang.fang@example.cn"]
    message = message_from_bytes(envelope.original_content, policy=default)
    assert isinstance(message, EmailMessage)
    company = tenant.company.name
    assert message["Subject"] == (
        f"{tenant.agency.name}邀请您查看{company}的许可申请进度"
        f" / Invitation to follow {company}'s license application"
    )
    assert message["To"] == "wang.fang@example.cn"
    body = message.get_body(preferencelist=("plain",)).get_content()  # decoded from its transfer encoding
    assert f"邀请您在 licensedesk 客户门户查看 {company} 的增值电信业务经营许可证" in body
    assert "请打开以下链接设置姓名和密码" in body
    found = LINK.search(body)
    assert found and found.group(1).startswith("http://testserver/portal/join/")
    response = Client().get(found.group(1).removeprefix("http://testserver"))
    assert response.status_code == 200 and company in response.content.decode()

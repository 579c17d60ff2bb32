"""The invitation email (Django's locmem backend): exact subject, Chinese first, the link works."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from licensedesk.web.portal.emails import invitation_link
from licensedesk.web.portal.services import invitation_create

from .conftest import link_in

pytestmark = pytest.mark.django_db


def test_the_invitation_email(tenant: Any, settings: Any) -> None:
    settings.LICENSEDESK_BASE_URL = "https://portal.example.cn"
    invitation_create(case=tenant.case, email="wang.fang@example.cn", actor=tenant.consultant)
    [message] = mail.outbox
    agency, company = tenant.agency.name, tenant.company.name
    assert message.subject == (
        f"{agency}邀请您查看{company}的许可申请进度 / Invitation to follow {company}'s license application"
    )
    assert message.to == ["wang.fang@example.cn"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    link, token = link_in(message)
    assert link == invitation_link(token) == f"https://portal.example.cn/portal/join/{token}/"
    body = message.body
    assert body.index("您好") < body.index("Hello")  # Chinese first
    assert (
        f"{agency}（{tenant.consultant.display_name}）邀请您在 licensedesk 客户门户查看 {company} 的" in body
    )
    assert "增值电信业务经营许可证" in body
    assert f"您的顾问：{tenant.consultant.display_name}" in body
    assert body.count(link) == 2  # once in each language
    assert "&quot;" not in body and "&#x27;" not in body  # plain text, not HTML-escaped
    response = Client().get(link.removeprefix("https://portal.example.cn"))
    assert response.status_code == 200 and company in response.content.decode()

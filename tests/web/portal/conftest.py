"""Helpers of the portal tests: inviting someone and reading the link out of the email they get."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from licensedesk.web.portal.models import Invitation
from licensedesk.web.portal.services import invitation_create

LINK = re.compile(r"(https?://\S+/portal/join/([A-Za-z0-9_\-]+)/)")


def link_in(message: Any) -> tuple[str, str]:
    """(absolute link, token) of the invitation link in an email."""
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1), found.group(2)


def last_token() -> str:
    return link_in(mail.outbox[-1])[1]


def path_of(token: str) -> str:
    return f"/portal/join/{token}/"


@pytest.fixture
def invited(tenant: Any) -> tuple[Invitation, str]:
    """An invitation of a new address to ``tenant.case`` by its consultant, and the link's token."""
    invitation = invitation_create(case=tenant.case, email="wang.fang@example.cn", actor=tenant.consultant)
    return invitation, last_token()

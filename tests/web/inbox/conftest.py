"""Fixtures of the inbox tests: the materials tests' storage and checked case, and a real SMTP server on
loopback (aiosmtpd) from the review-round email test."""

from __future__ import annotations

from typing import Any

import pytest

from ..materials.conftest import checked, material, media, pdf  # noqa: F401  (fixtures and helpers)
from ..materials.test_email_smtp import _Mailbox, smtp_server  # noqa: F401


@pytest.fixture
def mailed(checked: Any) -> Any:  # noqa: F811
    """The checked tenant, its consultant with an email address (where the inbox emails go)."""
    checked.consultant.email = "wang@agency.example"
    checked.consultant.save()
    return checked

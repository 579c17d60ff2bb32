"""Fixtures of the benchmark tests: the web benchmark writes audit chains, keyed like every chain."""

from __future__ import annotations

from typing import Any

import pytest

TEST_AUDIT_KEY = "licensedesk-bench-test-audit-key-0123456789"  # not a secret: tests only


@pytest.fixture(autouse=True)
def _audit_key(settings: Any) -> None:
    """Without it the first audit write would create ``var/audit_key`` in the working tree."""
    settings.AUDIT_KEY = TEST_AUDIT_KEY

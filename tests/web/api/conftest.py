"""Fixtures of the API tests: tokens issued through the service, and a client that sends them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from licensedesk.web.api.scopes import ALL_SCOPES
from licensedesk.web.api.services import api_token_create

PROBLEM = "application/problem+json"


class ApiClient(Client):
    """A test client that sends ``Authorization: Bearer <secret>`` and JSON bodies."""

    def __init__(self, secret: str | None, **kwargs: Any) -> None:
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        super().__init__(headers=headers, **kwargs)

    def post_json(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.post(path, data={} if data is None else data, content_type="application/json", **kwargs)

    def put_json(self, path: str, data: Any, **kwargs: Any) -> Any:
        return self.put(path, data=data, content_type="application/json", **kwargs)


@pytest.fixture(autouse=True)
def _fresh_rate_counts(settings: Any) -> None:
    """Each test counts calls in a cache of its own (never clear(): on Redis that flushes the database)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def issue(db: Any) -> Callable[..., str]:
    """``issue(admin, scopes=…, days=…)`` → a new token's secret."""

    def make(admin: Any, scopes: list[str] | tuple[str, ...] = ALL_SCOPES, days: int = 30) -> str:
        return api_token_create(actor=admin, name="测试系统", scopes=list(scopes), days=days).secret

    return make


@pytest.fixture
def api(tenant: Any, issue: Callable[..., str]) -> ApiClient:
    """A client with an every-scope token of ``tenant``'s admin."""
    return ApiClient(issue(tenant.admin))


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem with the status and the domain's error code."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:licensedesk:problem:{code}"
    assert body["title"] and body["detail"] and body["detail_zh"]
    return body

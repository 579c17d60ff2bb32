"""The API token page (agency admins only) and the API reference page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from licensedesk.web.api.models import ApiToken
from licensedesk.web.api.services import api_token_create

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
URL = "/agency/api-tokens/"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.mark.parametrize("role", ["consultant", "client"])
def test_only_admins_see_the_page(tenant: Any, role: str) -> None:
    assert _client(tenant.users[role]).get(URL).status_code == 403


def test_create_shows_the_secret_once(tenant: Any) -> None:
    client = _client(tenant.admin)
    page = client.get(URL)
    assert page.status_code == 200
    assert "还没有令牌。" in page.content.decode()
    created = client.post(URL, {"name": "CRM 系统", "days": "30", "scopes": ["cases:read", "cases:write"]})
    html = created.content.decode()
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    secret = re.search(r'data-testid="token-secret">(ldk_[^<]+)<', html).group(1)
    token = ApiToken.objects.get()
    assert token.scopes == ["cases:read", "cases:write"] and token.user == tenant.admin
    assert "仅显示这一次" in html
    again = client.get(URL).content.decode()
    assert secret not in again and f"ldk_{token.prefix}…" in again and "CRM 系统" in again


def test_create_without_scopes_is_refused_at_the_field(tenant: Any) -> None:
    response = _client(tenant.admin).post(URL, {"name": "CRM", "days": "30"})
    assert response.status_code == 400
    assert "这个字段是必填项。" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_own_agency_token_only(tenant: Any, other_tenant: Any) -> None:
    mine = api_token_create(actor=tenant.admin, name="CRM", scopes=["cases:read"], days=9).token
    theirs = api_token_create(actor=other_tenant.admin, name="ERP", scopes=["cases:read"], days=9).token
    client = _client(tenant.admin)
    assert client.post(f"/agency/api-tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/agency/api-tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert "ERP" not in client.get(URL).content.decode()


def test_reference_page_uses_local_assets_and_no_inline_script(tenant: Any) -> None:
    html = Client().get("/api/v1/docs/").content.decode()
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "swagger-ui-bundle.js" in html and "//cdn" not in html and "https://" not in html


def test_openapi_document_has_no_duplicate_keys() -> None:
    """Strict parsers (Swagger UI's) refuse a document with a key twice in one object."""
    import json

    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in items]
        duplicates.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(items)

    document = json.loads(Client().get("/api/v1/openapi.json").content, object_pairs_hook=pairs)
    assert document["openapi"].startswith("3.1") and not duplicates


def test_openapi_profile_and_check_result_are_the_contracts() -> None:
    """The document's CompanyProfile and CheckResult are the shared contracts, not look-alikes."""
    from licensedesk.contracts import CHECK_RESULT_SCHEMA, PROFILE_SCHEMA, load_schema

    document = Client().get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    for component, name in (("CompanyProfile", PROFILE_SCHEMA), ("CheckResult", CHECK_RESULT_SCHEMA)):
        contract = {k: v for k, v in load_schema(name).items() if k not in ("$schema", "$id")}
        assert schemas[component] == contract
    profile_ref = {"$ref": "#/components/schemas/CompanyProfile"}
    put = document["paths"]["/api/v1/companies/{company_id}/profile"]["put"]
    assert put["requestBody"]["content"]["application/json"]["schema"] == profile_ref
    assert schemas["CheckOut"]["properties"]["result"] == {"$ref": "#/components/schemas/CheckResult"}


@pytest.mark.parametrize("path", ["/api/v1/cases/-7511/notes", "/api/v1/nothing-here"])
def test_an_address_no_route_matches_answers_a_problem_document(client: Any, path: str) -> None:
    response = client.post(path, data="{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    assert response.json()["detail_zh"] == "未找到。"


def test_a_page_no_route_matches_outside_the_api_is_still_the_html_page(client: Any) -> None:
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")

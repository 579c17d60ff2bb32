"""Tokens: stored hashed, scoped, expiring, revocable, rate-limited; refusals as problem+json."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from licensedesk.core.errors import PermissionDenied
from licensedesk.web.api.models import ApiToken
from licensedesk.web.api.services import api_token_create, api_token_revoke
from licensedesk.web.audit.models import AuditEvent

from .conftest import ApiClient, assert_problem

pytestmark = pytest.mark.django_db


def test_token_is_stored_as_a_hash_only(tenant: Any) -> None:
    issued = api_token_create(actor=tenant.admin, name="CRM", scopes=["cases:read"], days=30)
    row = ApiToken.objects.get()
    assert issued.secret.startswith(f"ldk_{row.prefix}_")
    assert row.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in str(ApiToken.objects.values().get())
    event = AuditEvent.objects.filter(action="api_token.created").get()
    assert event.actor_id == tenant.admin.pk and issued.secret not in str(event.after)


@pytest.mark.parametrize("role", ["consultant", "client"])
def test_only_an_agency_admin_creates_tokens(tenant: Any, role: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        api_token_create(actor=tenant.users[role], name="CRM", scopes=["cases:read"], days=30)
    assert refused.value.code == "permission.wrong_role"
    assert not ApiToken.objects.exists()


def test_unknown_scope_and_bad_expiry_are_refused(tenant: Any) -> None:
    from licensedesk.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as unknown:
        api_token_create(actor=tenant.admin, name="CRM", scopes=["cases:delete"], days=30)
    assert unknown.value.code == "api.token_scopes_invalid"
    with pytest.raises(InvalidInput) as expiry:
        api_token_create(actor=tenant.admin, name="CRM", scopes=["cases:read"], days=400)
    assert expiry.value.code == "api.token_expiry_invalid"


def test_a_call_with_a_valid_token_records_its_use(tenant: Any, issue: Any) -> None:
    response = ApiClient(issue(tenant.admin, scopes=["cases:read"])).get(f"/api/v1/cases/{tenant.case.pk}")
    assert response.status_code == 200
    assert response["ETag"] == f'"{tenant.case.version}"'
    assert ApiToken.objects.get().last_used_at is not None


def test_no_token(tenant: Any) -> None:
    body = assert_problem(ApiClient(None).get("/api/v1/cases"), 401, "api.token_missing")
    assert body["detail_zh"] == "请提供 API 令牌：Authorization: Bearer <令牌>。"
    assert body["instance"] == "/api/v1/cases"


def test_unknown_token(tenant: Any, issue: Any) -> None:
    secret = issue(tenant.admin)
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert_problem(ApiClient(forged).get("/api/v1/cases"), 401, "api.token_invalid")
    assert_problem(ApiClient("not-a-token").get("/api/v1/cases"), 401, "api.token_invalid")


def test_revoked_token_is_refused(tenant: Any, issue: Any) -> None:
    client = ApiClient(issue(tenant.admin))
    assert client.get("/api/v1/cases").status_code == 200
    api_token_revoke(token=ApiToken.objects.get(), actor=tenant.admin)
    body = assert_problem(client.get("/api/v1/cases"), 401, "api.token_revoked")
    assert body["detail_zh"] == "API 令牌已被撤销。"
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_expired_token_is_refused(tenant: Any, issue: Any) -> None:
    client = ApiClient(issue(tenant.admin))
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_problem(client.get("/api/v1/cases"), 401, "api.token_expired")
    assert body["detail"] == "The API token has expired."


def test_token_of_a_deactivated_admin_is_refused(tenant: Any, issue: Any) -> None:
    client = ApiClient(issue(tenant.admin))
    type(tenant.admin).objects.filter(pk=tenant.admin.pk).update(is_active=False)
    assert_problem(client.get("/api/v1/cases"), 401, "api.token_owner_inactive")


def test_missing_scope_is_403_naming_it(tenant: Any, issue: Any) -> None:
    client = ApiClient(issue(tenant.admin, scopes=["companies:read"]))
    body = assert_problem(client.get("/api/v1/cases"), 403, "api.scope_missing")
    assert body["details"] == {"scope": "cases:read"}
    assert body["detail_zh"] == "此令牌没有 cases:read 权限范围。"
    # a write scope does not read
    writer = ApiClient(issue(tenant.admin, scopes=["cases:write"]))
    assert_problem(writer.get(f"/api/v1/cases/{tenant.case.pk}"), 403, "api.scope_missing")


def test_rate_limit_answers_429_with_retry_after(tenant: Any, issue: Any, settings: Any) -> None:
    settings.API_RATE_LIMIT = "3/min"
    client = ApiClient(issue(tenant.admin))
    other = ApiClient(issue(tenant.admin))
    for _ in range(3):
        assert client.get("/api/v1/companies").status_code == 200
    refused = client.get("/api/v1/companies")
    body = assert_problem(refused, 429, "api.rate_limited")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert body["detail_zh"] == "此令牌的请求过多，请在 Retry-After 所示秒数后重试。"
    assert other.get("/api/v1/companies").status_code == 200  # counted per token


def test_validation_errors_name_the_field_path(api: ApiClient, tenant: Any) -> None:
    response = api.post_json("/api/v1/cases", {"company_id": "x", "license_id": ""})
    body = assert_problem(response, 422, "api.validation_failed")
    assert {e["path"] for e in body["errors"]} == {"company_id", "license_id"}


def test_profile_errors_carry_the_profile_paths(api: ApiClient, tenant: Any) -> None:
    profile = dict(tenant.company.profile)
    profile["company"] = {**profile["company"], "uscc": "91440300MA00000000"}
    response = api.put_json(
        f"/api/v1/companies/{tenant.company.pk}/profile", profile, headers={"If-Match": '"1"'}
    )
    body = assert_problem(response, 400, "company.profile_invalid")
    assert [e["path"] for e in body["errors"]] == ["company.uscc"]
    assert body["detail_zh"].startswith("企业档案不符合要求：company.uscc：")


def test_profile_replace_needs_if_match_and_locks(api: ApiClient, tenant: Any) -> None:
    url = f"/api/v1/companies/{tenant.company.pk}/profile"
    profile = api.get(url).json()
    assert profile == tenant.company.profile
    profile["company"]["city"] = "广州市"
    assert_problem(api.put_json(url, profile), 428, "api.if_match_required")
    assert_problem(api.put_json(url, profile, headers={"If-Match": "abc"}), 400, "api.if_match_invalid")
    done = api.put_json(url, profile, headers={"If-Match": '"1"'})
    assert done.status_code == 200 and done.json()["version"] == 2 and done["ETag"] == '"2"'
    profile["company"]["city"] = "深圳市"
    stale = api.put_json(url, profile, headers={"If-Match": '"1"'})
    assert_problem(stale, 409, "company.changed")


def test_writes_are_audited_with_the_token_they_came_with(tenant: Any, issue: Any) -> None:
    from licensedesk.web.audit.context import audit_context
    from licensedesk.web.cases.services import note_create

    client = ApiClient(issue(tenant.admin, scopes=["notes:write"]))
    token = ApiToken.objects.get()
    created = client.post_json(f"/api/v1/cases/{tenant.case.pk}/notes", {"body": "经 API 写入"})
    assert created.status_code == 201
    event = AuditEvent.objects.get(action="note.created")
    assert event.actor_id == tenant.admin.pk
    assert event.data["api_token"] == {"id": token.pk, "prefix": token.prefix, "name": "测试系统"}
    assert audit_context() == {}  # cleared with the request
    note_create(case=tenant.case, author=tenant.admin, body="页面写入")
    assert "api_token" not in AuditEvent.objects.filter(action="note.created").order_by("-seq").first().data


@pytest.mark.parametrize(
    ("method", "url", "body", "where"),
    [
        ("get", "/api/v1/cases?q=a%00b", None, "q"),
        ("get", "/api/v1/companies?province=%00", None, "province"),
        ("post", "/api/v1/cases/{case}/notes", {"body": "a\x00b"}, "body"),
    ],
)
def test_nul_characters_are_refused_before_the_database_sees_them(
    api: ApiClient, tenant: Any, method: str, url: str, body: Any, where: str
) -> None:
    """PostgreSQL cannot hold NUL in text: without this the query fails with a server error."""
    url = url.format(case=tenant.case.pk)
    response = api.get(url) if method == "get" else api.post_json(url, body)
    problem = assert_problem(response, 400, "api.nul_character")
    assert problem["errors"][0]["path"] == where

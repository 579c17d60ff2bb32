"""The API's isolation matrix: every operation of the served OpenAPI document × token scope × another
agency's objects. A token reaches only its own agency: another agency's ids answer 404 (as on the
web: existence is never revealed), lists never show another agency's rows, and an operation refuses a
token without its scope (403) before looking anything up."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from licensedesk.web.api.scopes import ALL_SCOPES

from ..test_isolation import API_KWARGS, _markers, _seed_victim
from .conftest import ApiClient

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"\{(\w+)\}")


def _operations(client: ApiClient) -> list[tuple[str, str, str]]:
    """(method, path template, scope) of every operation the served document describes."""
    document = client.get("/api/v1/openapi.json").json()
    found = []
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            found.append((method, template, operation["x-scope"]))
    return found


def _url(template: str, victims: dict[str, Any]) -> str:
    return PARAM.sub(
        lambda m: str(victims[API_KWARGS[m.group(1)]].pk) if m.group(1) in API_KWARGS else "icp-b25",
        template,
    )


def _nowhere(template: str) -> str:
    return PARAM.sub(lambda m: "999999" if m.group(1) in API_KWARGS else "icp-b25", template)


def _call(client: ApiClient, method: str, url: str) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data="{}", content_type="application/json")


def test_every_operation_refuses_another_agencys_objects(tenant: Any, other_tenant: Any, issue: Any) -> None:
    _seed_victim(tenant)
    victims = _seed_victim(other_tenant)
    markers = _markers(other_tenant, whole_agency=True)
    everything = ApiClient(issue(tenant.admin))
    operations = _operations(everything)
    assert len(operations) >= 30
    problems = []
    for method, template, _scope in operations:
        url = _url(template, victims)
        response = _call(everything, method, url)
        body = response.content.decode("utf-8", errors="replace")
        leaked = [m for m in markers if m in body or json.dumps(m)[1:-1] in body]
        if leaked:
            problems.append(f"{method} {url}: {response.status_code} shows {leaked}")
        is_object = any(p in API_KWARGS for p in PARAM.findall(template))
        if is_object:
            # the same answer as for an id that exists nowhere: 404, or 422 when the body is refused
            # before any lookup — either way nothing tells the other agency's object exists
            missing = _call(everything, method, _nowhere(template))
            if response.status_code not in (404, 422) or (
                response.status_code,
                response.json()["code"],
            ) != (missing.status_code, missing.json()["code"]):
                problems.append(f"{method} {url}: answered {response.status_code}, expected 404")
        if response.status_code >= 500:
            problems.append(f"{method} {url}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_every_operation_needs_its_scope(tenant: Any, issue: Any) -> None:
    """Each operation with a token holding every scope but its own: 403 naming the scope — on the
    token's own objects, so the refusal is the scope's and not tenancy's."""
    own = _seed_victim(tenant)
    operations = _operations(ApiClient(issue(tenant.admin)))
    problems = []
    for method, template, needed in operations:
        client = ApiClient(issue(tenant.admin, scopes=[s for s in ALL_SCOPES if s != needed]))
        response = _call(client, method, _url(template, own))
        if response.status_code != 403 or response.json().get("details") != {"scope": needed}:
            problems.append(f"{method} {template} without {needed}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_own_objects_are_reachable_with_the_scope(tenant: Any, issue: Any) -> None:
    """The matrix's 404s are not everything-404s: every read reaches the token's own objects."""
    own = _seed_victim(tenant)
    client = ApiClient(issue(tenant.admin))
    problems = []
    for method, template, _needed in _operations(client):
        if method != "get":
            continue
        response = client.get(_url(template, own))
        if response.status_code != 200:
            problems.append(f"GET {template}: {response.status_code} {response.content[:200]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_revoked_and_expired_tokens_are_refused_everywhere(tenant: Any, issue: Any, state: str) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from licensedesk.web.api.models import ApiToken

    own = _seed_victim(tenant)
    operations = _operations(ApiClient(issue(tenant.admin)))
    client = ApiClient(issue(tenant.admin))
    token = ApiToken.objects.order_by("-pk").first()
    if state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    else:
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    for method, template, _needed in operations:
        response = _call(client, method, _url(template, own))
        assert response.status_code == 401, (method, template)
        assert response.json()["code"] == f"api.token_{state}"

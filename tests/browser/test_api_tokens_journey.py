"""Issue 13 (REST API) in real Chromium: an agency admin creates a token on the API tokens page (the
secret shown once), the token works against the API, the admin revokes it and it stops working; the
API reference page renders the OpenAPI document with local assets under the CSP (no console errors);
a consultant has no token page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from web import factories as f

from .conftest import screenshot
from .steps import sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)


def test_token_page_and_reference(new_page: Any) -> None:
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    admin = f.AdminFactory(agency=agency, display_name="周主管")
    consultant = f.ConsultantFactory(agency=agency, display_name="王鹏程")
    f.CaseFactory(company=f.ClientCompanyFactory(agency=agency), consultant=consultant)

    page = new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, admin.username)
    page.get_by_test_id("nav-api-tokens").click()
    expect(page.get_by_role("heading", name="API 令牌", exact=True)).to_be_visible()
    page.get_by_label("名称").fill("CRM 系统")
    page.get_by_test_id("scope-cases:read").check()
    page.get_by_test_id("scope-companies:read").check()
    page.get_by_test_id("token-create").click()
    secret = page.get_by_test_id("token-secret").inner_text()
    assert secret.startswith("ldk_")
    expect(page.get_by_test_id("token-issued")).to_contain_text("仅显示这一次")
    screenshot(page, "13a-api-tokens-admin")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/v1/cases").status_code == 200
    page.goto("/agency/api-tokens/")
    expect(page.get_by_test_id("token-secret")).to_have_count(0)
    page.get_by_test_id("token-revoke").click()
    expect(page.locator(".messages")).to_contain_text("已撤销")
    expect(page.get_by_test_id("token-row")).to_contain_text("已撤销")
    screenshot(page, "13a-api-tokens-revoked-admin")
    assert api.get("/api/v1/cases").json()["code"] == "api.token_revoked"

    page.get_by_test_id("api-reference-link").click()
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)  # a 1 MB script to parse
    expect(page.locator(".opblock-tag").filter(has_text="cases")).to_be_visible()
    screenshot(page, "13a-api-reference")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    sign_out_url = "/agency/api-tokens/"

    page.goto("/")
    sign_out(page)
    sign_in(page, consultant.username)
    expect(page.get_by_test_id("nav-api-tokens")).to_have_count(0)
    assert page.goto(sign_out_url).status == 403

"""The client's section-by-section form offers the license-specific facts of the client's own licenses
only, rendered from the catalog like the staff editor, and submits them as one section."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from django.test import Client
from django.urls import reverse

from licensedesk.web.cases.models import ClientCompany
from licensedesk.web.portal.models import ProfileDraft

from ..factories import CaseFactory

BACKEND = "django.contrib.auth.backends.ModelBackend"
URL = reverse("portal:profile_section", args=["extensions"])


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _sections(client: Client) -> list[str]:
    page = client.get(reverse("portal:profile")).content.decode()
    return re.findall(r'data-testid="portal-section" data-section="(\w+)"', page)


def test_the_section_appears_with_a_case_of_a_license_that_has_one(tenant: Any) -> None:
    client = _client(tenant.client)
    assert _sections(client) == ["company", "service", "readiness"]
    assert client.get(URL).status_code == 404
    CaseFactory(company=tenant.company, license_id="labour-dispatch", ruleset_version="2013-07-01")
    assert _sections(client) == ["company", "service", "readiness", "extensions"]
    page = unescape(client.get(URL).content.decode())
    assert "<legend>劳务派遣经营许可</legend>" in page
    assert 'name="extensions.labour-dispatch.dispatch_rules_ready"' in page
    assert "旅行社" not in page  # another license's section is not the client's business


def test_submitting_the_section_saves_it_and_keeps_other_licenses_facts(tenant: Any) -> None:
    company = tenant.company
    company.profile = {**company.profile, "extensions": {"travel-agency": {"tier": "outbound"}}}
    company.save(update_fields=["profile"])
    CaseFactory(company=company, license_id="labour-dispatch", ruleset_version="2013-07-01")
    client = _client(tenant.client)
    page = unescape(client.get(URL).content.decode())
    # the client has no travel-agency case, but its stored facts are shown rather than dropped
    assert 'name="extensions.travel-agency.tier"' in page
    post = {
        "version": str(company.version),
        "extensions.labour-dispatch.dispatch_rules_ready": "true",
        "extensions.travel-agency.tier": "outbound",
        "action": "submit",
    }
    response = client.post(URL, post)
    assert response.status_code == 302, unescape(response.content.decode())
    fresh = ClientCompany.objects.get(pk=company.pk)
    assert fresh.profile["extensions"] == {
        "labour-dispatch": {"dispatch_rules_ready": True}, "travel-agency": {"tier": "outbound"},
    }  # fmt: skip
    assert fresh.profile["company"] == company.profile["company"]
    assert not ProfileDraft.objects.exists()


def test_a_bad_value_is_named_at_its_field_and_kept_as_a_draft(tenant: Any) -> None:
    CaseFactory(company=tenant.company, license_id="travel-agency", ruleset_version="2009-05-01")
    client = _client(tenant.client)
    post = {
        "version": str(tenant.company.version),
        "extensions.travel-agency.license_held_since": "去年",
        "action": "submit",
    }
    response = client.post(URL, post)
    assert response.status_code == 400
    body = unescape(response.content.decode())
    assert re.search(r'data-testid="error-extensions.travel-agency.license_held_since">[^<]*应为日期', body)
    assert ProfileDraft.objects.get(section="extensions").data == {
        "travel-agency": {"license_held_since": "去年"}
    }
    assert "extensions" not in ClientCompany.objects.get(pk=tenant.company.pk).profile


def test_the_other_client_does_not_get_the_section(tenant: Any) -> None:
    CaseFactory(company=tenant.company, license_id="labour-dispatch", ruleset_version="2013-07-01")
    assert _client(tenant.client2).get(URL).status_code == 404

"""The staff profile editor renders each license's own section (``extensions.<license>``) from the
catalog, saves it through the same service, and refuses a bad value at its input."""

from __future__ import annotations

from html import unescape
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse

from licensedesk.web.cases.models import ClientCompany
from licensedesk.web.cases.profile_form import KEPT_EXTENSIONS, profile_to_form

BACKEND = "django.contrib.auth.backends.ModelBackend"
SECTION = "extensions.labour-dispatch"


def _client(user: Any, lang: str = "") -> Client:
    """Signed in as ``user``; ``lang`` chosen with the header's language switch (default Chinese)."""
    client = Client()
    if lang:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    client.force_login(user, backend=BACKEND)
    return client


def _post(company: ClientCompany, **changes: str) -> dict[str, list[str]]:
    data = profile_to_form(company.profile)
    data.update({key: [value] for key, value in changes.items()})
    data["version"] = [str(company.version)]
    return data


def test_the_editor_shows_every_license_section_with_its_labels(tenant: Any) -> None:
    url = reverse("cases:company_profile", kwargs={"pk": tenant.company.pk})
    page = unescape(_client(tenant.consultant).get(url).content.decode())
    assert '<h2 id="section-extensions-title">许可证专项信息</h2>' in page
    assert "<legend>劳务派遣经营许可</legend>" in page
    assert f'name="{SECTION}.premises_ready"' in page and f'name="{SECTION}.premises_lease_until"' in page
    assert "已制定劳务派遣管理制度" in page  # the field's Chinese label from profile_section.yaml
    assert 'value="outbound"' in page and "出境旅游业务" in page  # a choice of the travel-agency section
    english = unescape(_client(tenant.consultant, "en").get(url).content.decode())
    assert "Dispatch management rules in place" in english and "License-specific facts" in english


def test_a_section_is_saved_and_audited_by_path(tenant: Any) -> None:
    company = tenant.company
    url = reverse("cases:company_profile", kwargs={"pk": company.pk})
    post = _post(
        company, **{f"{SECTION}.premises_ready": "true", f"{SECTION}.premises_lease_until": "2028-06-30"}
    )
    assert _client(tenant.consultant).post(url, post).status_code == 302
    company.refresh_from_db()
    assert company.profile["extensions"] == {
        "labour-dispatch": {"premises_ready": True, "premises_lease_until": "2028-06-30"}
    }
    assert company.version == 2


def test_a_bad_section_value_is_refused_at_its_input_and_nothing_is_saved(tenant: Any) -> None:
    company = tenant.company
    url = reverse("cases:company_profile", kwargs={"pk": company.pk})
    post = _post(company, **{f"{SECTION}.premises_lease_until": "2028-02-30"})
    refused = _client(tenant.consultant).post(url, post)
    assert refused.status_code == 400
    html = unescape(refused.content.decode())
    at = html.index(f'data-testid="error-{SECTION}.premises_lease_until"')
    assert "应为日期（YYYY-MM-DD）" in html[at:][:200]
    assert 'value="2028-02-30"' in html  # shown again as typed
    company.refresh_from_db()
    assert "extensions" not in company.profile and company.version == 1


def test_facts_the_editor_does_not_show_survive_a_save(tenant: Any) -> None:
    company = tenant.company
    company.profile = {**company.profile, "extensions": {"pawn-shop": {"note": "保留"}}}
    company.save(update_fields=["profile"])
    url = reverse("cases:company_profile", kwargs={"pk": company.pk})
    page = unescape(_client(tenant.consultant).get(url).content.decode())
    assert f'name="{KEPT_EXTENSIONS}"' in page
    post = _post(company, **{f"{SECTION}.facilities_ready": "false"})
    assert _client(tenant.consultant).post(url, post).status_code == 302
    company.refresh_from_db()
    assert company.profile["extensions"] == {
        "pawn-shop": {"note": "保留"}, "labour-dispatch": {"facilities_ready": False},
    }  # fmt: skip


def test_another_agency_cannot_open_the_editor(tenant: Any, other_tenant: Any) -> None:
    url = reverse("cases:company_profile", kwargs={"pk": other_tenant.company.pk})
    assert _client(tenant.consultant).get(url).status_code == 404


def test_a_guard_the_license_declares_is_checked_from_its_data(monkeypatch: Any) -> None:
    """A license's own guard (declared in its file) needs no registered check: the move passes when its
    required facts are true and is refused with the license's own code otherwise."""
    from types import SimpleNamespace

    from tests.core.catalog.test_sections import DEMO

    from licensedesk.core.catalog.loader import load_catalog
    from licensedesk.core.workflow import Move
    from licensedesk.web.cases import guards

    catalog = load_catalog([DEMO / "license.yaml"])
    monkeypatch.setattr(guards, "default_catalog", lambda: catalog)
    move = Move("preparing", "done", guards=("premises_inspected",))

    def outcome(profile: dict[str, Any]) -> Any:
        case = SimpleNamespace(license_id="demo-permit", company=SimpleNamespace(profile=profile))
        ctx = guards.GuardContext(case=case, move=move, actor=None, machine=None)
        [result] = guards.evaluate_guards(ctx)
        return result

    refused = outcome({"extensions": {"demo-permit": {"premises_ready": False}}})
    assert not refused.passed and refused.code == "guard.demo-permit.premises_not_ready"
    assert (refused.message_zh, refused.missing) == (
        "须先落实经营场所。",
        ("extensions.demo-permit.premises_ready",),
    )
    assert outcome({"extensions": {"demo-permit": {"premises_ready": True}}}).passed
    assert not outcome({}).passed  # not known is not true
    assert guards.guard_registry_problems({"premises_inspected"}) == []  # declared: nothing to register


def test_the_case_page_summary_shows_the_license_facts_under_their_section(tenant: Any) -> None:
    company = tenant.company
    facts = {"premises_ready": True, "premises_lease_until": "2028-06-30", "dispatch_rules_ready": False}
    ClientCompany.objects.filter(pk=company.pk).update(
        profile={**company.profile, "extensions": {"labour-dispatch": facts}}
    )
    url = reverse("cases:detail", kwargs={"pk": tenant.case.pk})
    page = unescape(_client(tenant.consultant).get(url).content.decode())
    summary = page[page.index('data-testid="profile-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert '<h3 class="summary-group">许可证专项信息</h3>' in summary
    assert "<dt>劳务派遣经营许可</dt>" in summary
    assert "<dt>已落实固定的经营场所</dt>" in summary and "<dt>已制定劳务派遣管理制度</dt>" in summary
    assert "2028-06-30" in summary
    assert "旅行社业务经营许可" not in summary  # a section with no facts is left out

"""License-specific profile facts in real Chromium: a consultant fills the labour-dispatch section of a
company's profile in the editor (rendered from the catalog's profile_section.yaml), and the client of
that company sees and submits the same section in the portal's section-by-section form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from licensedesk.web.cases.models import ClientCompany
from web import factories as f

from .conftest import screenshot
from .steps import sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)
SECTION = "extensions.labour-dispatch"


def test_the_labour_dispatch_section_in_the_editor_and_the_portal(new_page) -> None:  # type: ignore[no-untyped-def]
    agency = f.AgencyFactory(name="鹏城企业管理咨询有限公司")
    consultant = f.ConsultantFactory(agency=agency)
    company = f.ClientCompanyFactory(agency=agency)
    client = f.ClientUserFactory(company=company)
    f.CaseFactory(
        company=company, consultant=consultant, license_id="labour-dispatch", ruleset_version="2013-07-01"
    )

    page = new_page()
    sign_in(page, consultant.username)
    page.goto(f"/companies/{company.pk}/profile/")
    section = page.locator("#section-extensions")
    expect(section.get_by_role("heading", name="许可证专项信息")).to_be_visible()
    expect(section.get_by_role("group", name="劳务派遣经营许可")).to_be_visible()
    page.get_by_test_id(f"field-{SECTION}.premises_ready").select_option("true")
    page.get_by_test_id(f"field-{SECTION}.premises_lease_until").fill("2028-06-30")
    page.get_by_test_id(f"field-{SECTION}.dispatch_rules_ready").select_option("false")
    section.scroll_into_view_if_needed()
    screenshot(page, "license-section-editor")
    page.get_by_test_id("profile-save").click()
    expect(page.get_by_text("企业档案已保存。")).to_be_visible()
    stored = ClientCompany.objects.get(pk=company.pk).profile["extensions"]
    assert stored == {
        "labour-dispatch": {
            "premises_ready": True, "premises_lease_until": "2028-06-30", "dispatch_rules_ready": False,
        }
    }  # fmt: skip
    sign_out(page)

    sign_in(page, client.username)
    page.goto("/portal/profile/")
    page.locator('[data-testid="portal-section"][data-section="extensions"] a').first.click()
    expect(page.get_by_role("group", name="劳务派遣经营许可")).to_be_visible()
    expect(page.get_by_test_id(f"field-{SECTION}.premises_ready")).to_have_value("true")
    expect(page.get_by_text("旅行社业务经营许可")).to_have_count(0)  # not the client's license
    page.get_by_test_id(f"field-{SECTION}.dispatch_rules_ready").select_option("true")
    screenshot(page, "license-section-portal")
    page.get_by_test_id("profile-submit-section").click()
    page.wait_for_url("**/portal/profile/")
    stored = ClientCompany.objects.get(pk=company.pk).profile["extensions"]["labour-dispatch"]
    assert stored["dispatch_rules_ready"] is True and stored["premises_ready"] is True

"""Issue 3 in real Chromium: a consultant takes a new client from sign-in to a signed contract, the
client follows it in the portal, a client of another company cannot; the back office at phone width;
the sign-in form by keyboard alone.

Only the people and the other company are arranged in the database (factories); everything the
journey is about happens through the pages, as a user would do it. The client users join through the
invitation email (read from Django's locmem outbox: the live server runs in this process).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from licensedesk.web.accounts.models import Role, User
from licensedesk.web.cases.models import Case, ClientCompany
from licensedesk.web.cases.services import case_run_check
from web import factories as f

from .conftest import screenshot
from .steps import sign_in, sign_out

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eligible-shenzhen.json"
JOIN_LINK = re.compile(r"https?://\S+?(/portal/join/[A-Za-z0-9_\-]+/)")
CLIENT_PASSWORD = "Yunfan-Portal-2026"
PHONE = 375

pytestmark = pytest.mark.django_db(transaction=True)


def example_profile() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


# -- what a user does on the pages ----------------------------------------------------------------------


def _leaves(value: Any, path: str) -> list[tuple[str, Any]]:
    """The profile as (input name, value) pairs, input names being the contract paths."""
    if isinstance(value, dict):
        return [
            leaf for key, item in value.items() for leaf in _leaves(item, f"{path}.{key}" if path else key)
        ]
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, f"{path}[{i}]")]
    return [(path, value)]


def _rows(value: Any, path: str = "") -> dict[str, int]:
    """How many rows each list of objects has (the editor adds them one button press at a time)."""
    found: dict[str, int] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(_rows(item, f"{path}.{key}" if path else key))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        found[path] = len(value)
    return found


def fill_profile(page: Any, profile: dict[str, Any]) -> None:
    """Type ``profile`` into the profile editor the way a consultant would: add the rows first (each
    press of "add" redraws the editor with what was typed), then fill every input."""
    editor = page.get_by_test_id("profile-editor")
    for rows, count in _rows(profile).items():
        while editor.locator(f'[data-testid="row-{rows}[{count - 1}]"]').count() == 0:
            shown = editor.locator(f'[data-testid^="row-{rows}["]').count()
            page.get_by_test_id(f"add-row-{rows}").click()
            editor.locator(f'[data-testid="row-{rows}[{shown}]"]').wait_for()
    for name, value in _leaves(profile, ""):
        if name == "schema_version":
            continue
        if value is None:
            editor.locator(f'[name="{name}:null"]').check()
        elif isinstance(value, list):
            for item in value:
                editor.locator(f'input[type="checkbox"][name="{name}"][value="{item}"]').check()
        else:
            control = editor.locator(f'[name="{name}"]')
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            if control.evaluate("el => el.tagName") == "SELECT":
                control.select_option(text)
            else:
                control.fill(text)


def invite(page: Any, case_id: int, email: str) -> str:
    """The consultant invites ``email`` from the case page; returns the path of the link in the email."""
    if not page.url.endswith(f"/cases/{case_id}/"):
        page.goto(f"/cases/{case_id}/")
    form = page.get_by_test_id("case-invite-form")
    form.get_by_label("受邀人的邮箱地址").fill(email)
    form.get_by_test_id("case-invite-submit").click()
    expect(page.locator(".messages")).to_have_text(f"邀请已发送至 {email}。")
    assert page.url.endswith(f"/cases/{case_id}/")  # back on the case page, which lists the invitation
    row = page.get_by_test_id("invitation-row").filter(has_text=email)
    expect(row.get_by_test_id("invitation-state")).to_have_text("已发送")
    message = mail.outbox[-1]
    assert message.to == [email]
    found = JOIN_LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def accept_invitation(page: Any, link: str, name: str) -> None:
    page.goto(link)
    page.get_by_test_id("accept-display-name").fill(name)
    page.get_by_test_id("accept-password1").fill(CLIENT_PASSWORD)
    page.get_by_test_id("accept-password2").fill(CLIENT_PASSWORD)
    page.get_by_test_id("accept-submit").click()
    page.get_by_test_id("portal-case").wait_for()


def document_width(page: Any) -> int:
    """How wide the page is laid out: more than the viewport means it scrolls sideways."""
    return page.evaluate("() => document.documentElement.scrollWidth")


# -- the journeys ---------------------------------------------------------------------------------------


def test_consultant_takes_a_new_client_to_a_signed_contract_and_the_client_follows_it(new_page: Any) -> None:
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    consultant = f.ConsultantFactory(agency=agency, display_name="李顾问")
    other_company = f.ClientCompanyFactory(agency=agency)
    other_case = f.CaseFactory(company=other_company, consultant=consultant)
    profile = example_profile()
    name = profile["company"]["name"]

    # The consultant signs in and creates the company (name and USCC first; the rest comes later).
    staff = new_page()
    sign_in(staff, consultant.username)
    assert staff.get_by_test_id("board").is_visible()
    staff.get_by_test_id("nav-companies").click()
    staff.get_by_test_id("company-create").click()
    staff.locator('[name="company.name"]').fill(name)
    staff.locator('[name="company.uscc"]').fill(profile["company"]["uscc"])
    staff.get_by_test_id("profile-save").click()
    staff.get_by_role("heading", name=name, exact=True).wait_for()
    assert staff.locator(".alert-success").inner_text() == "已创建企业。"

    # … opens an ICP case for it …
    staff.get_by_test_id("new-case-license").select_option("icp-b25")  # one of the catalog's licenses
    assert staff.get_by_test_id("new-case-license").input_value() == "icp-b25"
    staff.get_by_test_id("new-case-submit").click()
    staff.get_by_test_id("case-page").wait_for()
    case = Case.objects.get(company__name=name)
    assert staff.url.endswith(f"/cases/{case.pk}/")
    assert staff.get_by_test_id("case-stage").inner_text() == "资质审核"
    assert staff.get_by_test_id("no-check").is_visible()

    # … fills in the profile in the editor with the example's values …
    staff.get_by_test_id("edit-profile").click()
    fill_profile(staff, profile)
    screenshot(staff, "journey-01-profile-editor")
    staff.get_by_test_id("profile-save").click()
    staff.get_by_role("heading", name=name, exact=True).wait_for()
    assert staff.locator(".alert-success").inner_text() == "企业档案已保存。"
    saved = ClientCompany.objects.get(pk=case.company_id).profile
    assert saved["company"]["shareholders"] == profile["company"]["shareholders"]
    assert saved["service"]["websites"] == profile["service"]["websites"]
    assert saved["readiness"] == profile["readiness"]

    # … runs the eligibility check: eligible, with each condition and its reason …
    staff.get_by_test_id(f"case-link-{case.pk}").click()
    staff.get_by_test_id("run-check").click()
    expect(staff.get_by_test_id("case-notice")).to_have_text("资格检查完成：符合申请条件")
    expect(staff.get_by_test_id("verdict")).to_have_text("符合申请条件")
    capital = staff.get_by_test_id("condition-registered_capital")
    assert "满足" in capital.locator(".badge").inner_text()
    assert "100 万元" in capital.inner_text()
    assert staff.get_by_test_id("conditions").locator("> li").count() == 10
    screenshot(staff, "journey-02-eligible")

    # … and moves the case to "contract signed", which the eligible check allows.
    staff.get_by_test_id("move-contract_signed").click()
    expect(staff.get_by_test_id("case-notice")).to_have_text("已进入“已签委托合同”")
    expect(staff.get_by_test_id("case-stage")).to_have_text("已签委托合同")
    screenshot(staff, "journey-03-contract-signed")

    # The consultant invites the client (and, for the other company, its own client).
    link = invite(staff, case.pk, "chen.zhiyuan@yunfan-tech.cn")
    screenshot(staff, "journey-04-invited")
    other_link = invite(staff, other_case.pk, "wang.lei@example.cn")

    # The client accepts: an account is made and the portal shows the case at its stage.
    client = new_page()
    accept_invitation(client, link, "陈志远")
    assert client.get_by_test_id("portal-current-stage").inner_text() == "已签委托合同"
    assert client.get_by_role("heading", level=1).inner_text() == (
        f"{name} · 增值电信业务经营许可证（B25 信息服务业务，仅限互联网信息服务）"
    )
    assert User.objects.get(username="chen.zhiyuan@yunfan-tech.cn").role == Role.CLIENT_USER
    screenshot(client, "journey-05-client-case")

    # Signing in again later with the new password leads to the same application.
    sign_out(client)
    sign_in(client, "chen.zhiyuan@yunfan-tech.cn", CLIENT_PASSWORD)
    row = client.get_by_test_id("portal-case-row")
    assert row.count() == 1
    assert row.get_attribute("data-case") == str(case.pk)
    assert row.get_by_test_id("portal-current-stage").inner_text() == "已签委托合同"
    current = row.locator('[data-testid="portal-step"][data-state="current"]')
    assert current.inner_text() == "已签委托合同"
    screenshot(client, "journey-06-client-home")

    # A client user of another company sees only their own company's application …
    stranger = new_page()
    accept_invitation(stranger, other_link, "王磊")
    sign_out(stranger)
    sign_in(stranger, "wang.lei@example.cn", CLIENT_PASSWORD)
    rows = stranger.get_by_test_id("portal-case-row")
    assert [rows.nth(i).get_attribute("data-case") for i in range(rows.count())] == [str(other_case.pk)]
    assert name not in stranger.locator("main").inner_text()
    # … and the case's portal page, its staff page and its materials are closed to them.
    response = stranger.goto(f"/portal/cases/{case.pk}/")
    assert response.status == 404
    assert name not in stranger.locator("main").inner_text()
    assert stranger.get_by_test_id("portal-error").get_attribute("data-code") == "case.not_found"
    screenshot(stranger, "journey-07-stranger-404")
    assert stranger.goto(f"/cases/{case.pk}/").status == 403
    assert stranger.goto(f"/cases/{case.pk}/materials/").status == 404


def test_back_office_fits_a_phone_and_the_menu_opens(new_page: Any) -> None:
    agency = f.AgencyFactory(name="深圳启航企业管理咨询有限公司")
    consultant = f.ConsultantFactory(agency=agency)
    case = f.CaseFactory(
        company=f.ClientCompanyFactory(agency=agency, company_name="深圳市云帆信息科技有限公司"),
        consultant=consultant,
    )
    case_run_check(case=case, actor=consultant)  # the case page then lists the materials too

    page = new_page(width=PHONE, height=760)
    sign_in(page, consultant.username)
    board = page.get_by_test_id("board")
    board.wait_for()
    assert document_width(page) <= PHONE
    screenshot(page, "phone-01-board")

    # The navigation is folded behind the menu button, which opens and closes it.
    toggle = page.locator("[data-nav-toggle]")
    nav_link = page.get_by_test_id("nav-cases")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not nav_link.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav_link.is_visible()
    screenshot(page, "phone-02-menu-open")
    assert document_width(page) <= PHONE
    toggle.click()
    assert not nav_link.is_visible()

    # The case page, opened from its card, fits too; its materials checklist is one material per block,
    # not four columns a few characters wide.
    page.get_by_test_id(f"card-{case.pk}").click()
    page.get_by_test_id("case-page").wait_for()
    assert document_width(page) <= PHONE
    title_cell = page.locator("#checklist").get_by_test_id("material-application_letter").locator("td").first
    assert title_cell.bounding_box()["width"] > PHONE * 0.7
    screenshot(page, "phone-03-case")


def test_signing_in_with_the_keyboard_only(new_page: Any) -> None:
    consultant = f.ConsultantFactory(agency=f.AgencyFactory(name="深圳启航企业管理咨询有限公司"))
    page = new_page()
    page.goto("/")
    # The username field has the focus when the page opens; Tab goes on to the password and then to
    # the button, which Enter presses.
    focused = "() => document.activeElement.dataset.testid"
    assert page.evaluate(focused) == "login-username"
    page.keyboard.type(consultant.username)
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "login-password"
    page.keyboard.type(f.PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "login-submit"
    page.keyboard.press("Enter")
    page.get_by_test_id("board").wait_for()
    assert page.url.endswith("/cases/board/")

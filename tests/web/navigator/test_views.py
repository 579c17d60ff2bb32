"""The navigator page as each role sees it (Chinese first): the questions, the result with reasons and
bases, and opening cases for a company of the agency, audited and tenancy-scoped."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from licensedesk.core.errors import InvalidInput, PermissionDenied
from licensedesk.core.navigator.answers import parse_answers
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case
from licensedesk.web.navigator.services import navigator_open_cases

from .. import factories as f

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
PAID_SITE = {
    "province": "CN-GD",
    "city": "深圳",
    "website_or_app": "on",
    "charges_users_or_advertisers": "on",
    "content_areas": ["news"],
    "travel": "none",
    "auctions": "none",
    "foundation_scope": "local",
}
PAID_SITE_ANSWERS = {
    "province": "CN-GD",
    "city": "深圳",
    "online": {"website_or_app": True, "charges_users_or_advertisers": True, "content_areas": ["news"]},
}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


@pytest.fixture
def agency() -> Any:
    return f.AgencyFactory()


@pytest.fixture
def consultant(agency: Any) -> Any:
    return f.ConsultantFactory(agency=agency)


@pytest.fixture
def company(agency: Any) -> Any:
    return f.ClientCompanyFactory(agency=agency)


def test_the_empty_page_asks_the_questions_in_chinese(consultant: Any) -> None:
    page = _client(consultant).get(reverse("navigator:page"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>许可导航</h1>" in html
    assert "有网站、App 或小程序" in html and "向其他用工单位派遣劳动者" in html
    assert "未建交、战乱或受制裁的国家和地区" in html
    assert 'data-testid="nav-navigator"' in html and 'aria-current="page">许可导航' in html
    assert 'data-testid="navigator-result"' not in html


def test_a_paid_news_site_needs_the_license_and_the_news_permit(consultant: Any, company: Any) -> None:
    page = _client(consultant).get(reverse("navigator:page"), PAID_SITE)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="need-icp-b25"' in html and 'data-testid="need-internet-news"' in html
    assert "每个域名仍须取得备案号" in html
    assert "可在本系统开案" in html and "本系统尚未收录" in html
    assert "依据： 互联网信息服务管理办法 第三条、第四条、第七条" in html
    # only the in-catalog need is offered for a case; the company is the agency's
    assert 'data-testid="open-license-icp-b25"' in html
    assert 'data-testid="open-license-internet-news"' not in html
    assert company.name in html


def test_bad_answers_are_shown_next_to_the_questions(consultant: Any) -> None:
    page = _client(consultant).get(
        reverse("navigator:page"), {"province": "", "travel": "none", "auctions": "none"}
    )
    assert page.status_code == 400
    assert "这个字段是必填项。" in page.content.decode()


def test_online_details_without_a_site_are_refused(consultant: Any) -> None:
    data = {**PAID_SITE}
    del data["website_or_app"]
    page = _client(consultant).get(reverse("navigator:page"), data)
    assert page.status_code == 400
    assert "有网站或 App 时才回答关于网站或 App 的问题。" in page.content.decode()


def test_opening_cases_creates_them_audited_and_goes_to_the_company(consultant: Any, company: Any) -> None:
    browser = _client(consultant)
    answer = browser.post(
        reverse("navigator:open_cases"),
        {"answers": json.dumps(PAID_SITE_ANSWERS), "company": company.pk, "licenses": ["icp-b25"]},
    )
    assert (answer.status_code, answer["Location"]) == (
        302,
        reverse("cases:company_detail", kwargs={"pk": company.pk}),
    )
    case = Case.objects.get(company=company)
    assert (case.license_id, case.consultant_id) == ("icp-b25", consultant.pk)
    event = AuditEvent.objects.get(action="navigator.cases_opened")
    assert event.data["licenses"] == ["icp-b25"] and event.data["cases"] == [case.number]
    assert event.data["answers"]["online"]["charges_users_or_advertisers"] is True
    assert AuditEvent.objects.filter(action="case.created").count() == 1
    assert "已开案 1 件。" in browser.get(answer["Location"]).content.decode()


def test_a_license_these_answers_do_not_need_is_refused(consultant: Any, company: Any) -> None:
    free_site = {"province": "CN-GD", "online": {"website_or_app": True}}
    page = _client(consultant).post(
        reverse("navigator:open_cases"),
        {"answers": json.dumps(free_site), "company": company.pk, "licenses": ["icp-b25"]},
    )
    assert page.status_code == 400
    assert "按这些回答，以下许可不需要办理，不能开案：ICP 许可证。" in page.content.decode()
    assert not Case.objects.exists()


def test_another_agencys_company_is_refused(consultant: Any) -> None:
    other = f.ClientCompanyFactory(agency=f.AgencyFactory())
    page = _client(consultant).post(
        reverse("navigator:open_cases"),
        {"answers": json.dumps(PAID_SITE_ANSWERS), "company": other.pk, "licenses": ["icp-b25"]},
    )
    assert page.status_code == 400
    assert "选择一个有效的选项" in page.content.decode()
    assert other.name not in page.content.decode()
    assert not Case.objects.exists()


def test_the_service_refuses_another_agencys_company(consultant: Any) -> None:
    other = f.ClientCompanyFactory(agency=f.AgencyFactory())
    with pytest.raises(PermissionDenied):
        navigator_open_cases(
            company=other, license_ids=["icp-b25"], answers=parse_answers(PAID_SITE_ANSWERS), actor=consultant
        )
    assert not Case.objects.exists()


def test_the_service_opens_all_or_nothing(consultant: Any, company: Any) -> None:
    f.CaseFactory(company=company, license_id="icp-b25")  # an open ICP case already
    answers = parse_answers(
        {
            **PAID_SITE_ANSWERS,
            "online": {**PAID_SITE_ANSWERS["online"], "third_party_merchants_trade_on_platform": True},
        }
    )
    with pytest.raises(InvalidInput) as raised:
        navigator_open_cases(company=company, license_ids=["icp-b25"], answers=answers, actor=consultant)
    assert raised.value.code == "case.duplicate"
    assert Case.objects.count() == 1
    assert not AuditEvent.objects.filter(action="navigator.cases_opened").exists()


def test_nothing_chosen_is_refused(consultant: Any, company: Any) -> None:
    with pytest.raises(InvalidInput) as raised:
        navigator_open_cases(
            company=company, license_ids=[], answers=parse_answers(PAID_SITE_ANSWERS), actor=consultant
        )
    assert raised.value.message_zh == "请至少选择一项许可证来开案。"


def test_client_users_get_403(company: Any) -> None:
    client_user = f.ClientUserFactory(company=company)
    browser = _client(client_user)
    assert browser.get(reverse("navigator:page")).status_code == 403
    posted = browser.post(
        reverse("navigator:open_cases"),
        {"answers": json.dumps(PAID_SITE_ANSWERS), "company": company.pk, "licenses": ["icp-b25"]},
    )
    assert posted.status_code == 403
    assert not Case.objects.exists()


def test_signed_out_goes_to_login() -> None:
    page = Client().get(reverse("navigator:page"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))


def test_the_result_page_runs_a_fixed_number_of_queries(
    consultant: Any, agency: Any, django_assert_num_queries: Any
) -> None:
    for _ in range(5):
        f.ClientCompanyFactory(agency=agency)
    browser = _client(consultant)
    browser.get(reverse("navigator:page"), PAID_SITE)  # warm caches (catalog, rules, translations)
    with django_assert_num_queries(NUM_QUERIES):
        assert browser.get(reverse("navigator:page"), PAID_SITE).status_code == 200


NUM_QUERIES = 4


def test_the_result_page_has_no_inline_script_or_style(consultant: Any, company: Any) -> None:
    html = _client(consultant).get(reverse("navigator:page"), PAID_SITE).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html)
    assert '<link rel="stylesheet" href="/static/navigator/navigator.css">' in html


def test_the_page_reads_in_english_when_chosen(consultant: Any) -> None:
    browser = _client(consultant)
    browser.post(reverse("set_language"), {"language": "en"})
    html = browser.get(reverse("navigator:page"), PAID_SITE).content.decode()
    assert "<h1>License navigator</h1>" in html
    assert "each of its domains still needs a filing number" in html
    assert (
        "Basis: Measures for the Administration of Internet Information Services, 第三条、第四条、第七条"
        in html
    )

"""Document data in one pass: a new case with nothing filled in names everything every document lacks in
one failed run, by label and grouped by where it is filled in (company profile, agency settings, this
case); no dotted path reaches the page; once filled, the next run generates everything."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from licensedesk.web.cases.services import company_profile_update
from licensedesk.web.documents.models import JobStatus

from .conftest import documents_profile, example_case_data, generate_now, set_agency_settings

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
DOTTED = re.compile(r"\b(case|company|service|readiness|agency|contract|premises)\.[a-z_]+")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _section(response: Any, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">(.*?)</ul>', response.content.decode(), re.S)
    assert match, testid
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


def _form_text(response: Any) -> str:
    match = re.search(r'data-testid="documents-fill-form"(.*?)</form>', response.content.decode(), re.S)
    assert match
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))))


def test_a_new_case_lists_everything_missing_at_once_then_generates_in_one_run(tenant: Any) -> None:
    case = tenant.case
    job = generate_now(case, tenant.consultant)
    assert job.status == JobStatus.FAILED and job.error_code == "documents.data_missing"
    paths = {p for ps in job.missing.values() for p in ps}
    # the date, the agency's facts, the case's fields and the profile's gaps: all in the first run
    assert {
        "case.application_date",
        "case.agency.uscc",
        "case.contract.fee_cny",
        "case.premises.address",
    } <= paths
    assert any(not p.startswith("case.") for p in paths)
    page = _client(tenant.consultant).get(reverse("cases:detail", kwargs={"pk": case.pk}))
    text = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode())))
    n = len(paths)
    assert f"生成文件还需要 {n} 项，全部列在下面：" in text
    assert "本案件" in text  # this case's fields: in the one form below the heading
    assert "申请日期（文件落款日期）" in _form_text(page) and "服务费（元）" in _form_text(page)
    assert "代办机构统一社会信用代码" in _section(page, "documents-missing-agency")
    assert "这些由机构管理员在“机构设置”页面填写。" in _section(page, "documents-missing-agency")
    assert _section(page, "documents-missing-profile")
    assert not DOTTED.search(text), DOTTED.search(text)
    html = page.content.decode()
    # the case's fields in one form; the profile's link to their field in the editor
    assert 'name="application_date"' in html and 'name="premises__address"' in html
    assert f'href="{reverse("cases:company_profile", kwargs={"pk": case.company_id})}#f-' in html
    # the admin is sent to the settings page for the agency's facts
    admin_page = _client(tenant.admin).get(reverse("documents:panel", kwargs={"case_id": case.pk}))
    assert (
        f'href="{reverse("accounts:agency_settings")}">代办机构统一社会信用代码<'
        in admin_page.content.decode()
    )

    set_agency_settings(case.agency)
    company_profile_update(company=case.company, profile=documents_profile(case.company), actor=tenant.admin)
    data_url = reverse("documents:data", kwargs={"case_id": case.pk})
    form = {path.replace(".", "__"): value for path, value in example_case_data().items()}
    saved = _client(tenant.consultant).post(data_url, {**form, "version": ""})
    assert saved.status_code == 302
    case.company.refresh_from_db()
    assert generate_now(case, tenant.consultant).status == JobStatus.DONE

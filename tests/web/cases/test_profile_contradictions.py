"""The profile editors refuse what the CLI refuses (issue 10 item 10): each contradiction or malformed
number is shown at its field, under the field's label, and nothing is saved."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from licensedesk.web.cases.models import ClientCompany
from licensedesk.web.cases.profile_form import profile_to_form

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _field_text(html: str, name: str) -> str:
    """The visible text of the editor's block for the input ``name``: its label, hint and error."""
    start = html.index(f'data-field="{name}"')
    block = html[start : html.index("</div>", start)]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block.split(">", 1)[1]))).strip()


def _staff_post(company: ClientCompany, **changes: str) -> dict[str, list[str]]:
    data = profile_to_form(company.profile)
    data.update({key: [value] for key, value in changes.items()})
    data["version"] = [str(company.version)]
    return data


def test_staff_editor_shows_each_contradiction_at_its_field(tenant: Any) -> None:
    company = tenant.company
    url = reverse("cases:company_profile", kwargs={"pk": company.pk})
    post = _staff_post(
        company,
        **{
            "company.established_on": "2999-01-01",
            "company.staff_total": "3",
            "company.technical_staff": "5",
            "company.legal_representative.mobile": "1380013800",
        },
    )
    response = _client(tenant.consultant).post(url, post)
    assert response.status_code == 400
    html = response.content.decode()
    founded = _field_text(html, "company.established_on")
    assert founded.startswith("成立日期")
    assert "成立日期 2999-01-01 晚于检查基准日" in founded
    assert _field_text(html, "company.technical_staff") == "技术人员数 专业技术人员 5 人多于员工总数 3 人"
    assert _field_text(html, "company.legal_representative.mobile") == (
        "手机号码 “1380013800”不是有效的手机号码，应为以 13–19 开头的 11 位数字，如 13800138000"
    )
    assert "company." not in _field_text(html, "company.technical_staff")  # no path on the page
    company.refresh_from_db()
    assert company.version == 1 and company.profile["company"]["technical_staff"] == 5


def test_staff_editor_refuses_a_malformed_icp_filing_number(tenant: Any) -> None:
    company = tenant.company
    url = reverse("cases:company_profile", kwargs={"pk": company.pk})
    post = _staff_post(
        company,
        **{
            "service.websites[0].domain": "example.cn",
            "service.websites[0].icp_filing_number": "粤ICP备2024ABC号",
        },
    )
    response = _client(tenant.consultant).post(url, post)
    assert response.status_code == 400
    text = _field_text(response.content.decode(), "service.websites[0].icp_filing_number")
    assert text.endswith(
        "“粤ICP备2024ABC号”不是有效的 ICP 备案号，应形如 粤ICP备12345678号-1 或 京ICP备2021123456号"
    )


def test_portal_section_shows_the_contradiction_at_the_field(tenant: Any) -> None:
    company = tenant.company
    profile = company.profile["company"]
    post = {
        "company.name": profile["name"],
        "company.uscc": profile["uscc"],
        "company.entity_type": profile["entity_type"],
        "company.registered_capital_cny": str(profile["registered_capital_cny"]),
        "company.province": profile["province"],
        "company.staff_total": "3",
        "company.technical_staff": "5",
        "version": str(company.version),
        "action": "submit",
    }
    response = _client(tenant.client).post(reverse("portal:profile_section", args=["company"]), post)
    assert response.status_code == 400
    assert _field_text(response.content.decode(), "company.technical_staff") == (
        "技术人员数 专业技术人员 5 人多于员工总数 3 人"
    )
    assert ClientCompany.objects.get(pk=company.pk).version == 1


def test_consistent_staff_counts_are_saved(tenant: Any) -> None:
    company = tenant.company
    url = reverse("cases:company_profile", kwargs={"pk": company.pk})
    post = _staff_post(company, **{"company.staff_total": "5", "company.technical_staff": "5"})
    assert _client(tenant.consultant).post(url, post).status_code == 302
    company.refresh_from_db()
    assert company.profile["company"]["staff_total"] == 5

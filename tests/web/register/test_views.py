"""The register's pages: who sees what, manual entry errors at the field, the portal's own licenses."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from django.test import Client
from django.urls import reverse

from licensedesk.web.cases.models import LicenseRecord
from licensedesk.web.cases.services import company_profile_update

from .conftest import make_license

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_register_lists_the_agencys_licenses_with_their_next_duty(
    tenant: Any, other_tenant: Any, november_license: Any
) -> None:
    make_license(
        other_tenant.company,
        number="粤B2-20250009",
        issued_on=date(2025, 3, 1),
        expires_on=date(2030, 2, 28),
        recorded_by=other_tenant.consultant,
    )
    for user in (tenant.admin, tenant.consultant):
        page = _text(_client(user).get(reverse("register:list")))
        assert "粤B2-20250001" in page and tenant.company.name in page
        assert "粤B2-20250009" not in page and other_tenant.company.name not in page
        assert f'data-testid="register-next-{november_license.pk}">' in page
        assert "年度报告" in page
        assert 'data-testid="nav-register" aria-current="page">许可证台账</a>' in page


def test_the_register_filters_by_status(tenant: Any, november_license: Any) -> None:
    page = _text(_client(tenant.admin).get(reverse("register:list"), {"status": "expired"}))
    assert "粤B2-20250001" not in page and 'data-testid="register-empty"' in page
    page = _text(_client(tenant.admin).get(reverse("register:list"), {"status": "valid"}))
    assert "粤B2-20250001" in page


def test_the_register_page_reads_a_fixed_number_of_queries(
    tenant: Any, november_license: Any, django_assert_num_queries: Any
) -> None:
    client = _client(tenant.admin)
    url = reverse("register:list")
    client.get(url)  # warm the session and the catalog
    # fixed: the licenses with their change proposals and duty cases, whatever their number
    with django_assert_num_queries(6):
        client.get(url)
    for n in range(5):
        make_license(
            tenant.company2,
            number=f"粤B2-2025010{n}",
            issued_on=date(2025, 3, 1),
            expires_on=date(2030, 2, 28),
            recorded_by=tenant.consultant,
        )
    with django_assert_num_queries(6):
        client.get(url)


def test_clients_get_403_on_the_register_and_staff_on_the_portal_page(tenant: Any) -> None:
    assert _client(tenant.client).get(reverse("register:list")).status_code == 403
    assert _client(tenant.client).get(reverse("register:new")).status_code == 403
    assert _client(tenant.consultant).get(reverse("register:portal")).status_code == 403


def test_another_agencys_license_page_is_not_found(
    tenant: Any, other_tenant: Any, november_license: Any
) -> None:
    url = reverse("register:detail", kwargs={"pk": november_license.pk})
    assert _client(other_tenant.admin).get(url).status_code == 404
    page = _text(_client(tenant.consultant).get(url))
    assert "2027-03-31" in page and "信息发布平台和递送服务" in page  # the report on 2026, filed in 2027


def test_manual_entry_names_the_field_it_refuses_then_enters_the_license(tenant: Any) -> None:
    client = _client(tenant.consultant)
    data = {
        "company": str(tenant.company.pk),
        "license_id": "icp-b25",
        "number": "粤B2-2024",
        "issued_on": "2024-05-06",
        "expires_on": "2029-05-05",
        "authority": "广东省通信管理局",
        "services": ["publishing_platform"],
        "websites": "example.cn\n",
        "apps": "",
    }
    refused = client.post(reverse("register:new"), data)
    assert refused.status_code == 400
    page = _text(refused)
    assert re.search(r'id="license-number_error">[^<]*许可证编号', page), page[-3000:]
    assert not LicenseRecord.objects.exists()
    data["number"] = "粤B2-20240007"
    done = client.post(reverse("register:new"), data)
    record = LicenseRecord.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "register:detail", kwargs={"pk": record.pk}
    )
    assert (record.source, record.websites, record.services) == (
        "manual",
        ["example.cn"],
        ["publishing_platform"],
    )


def test_the_client_sees_only_their_companys_licenses_in_the_portal(
    tenant: Any, november_license: Any
) -> None:
    neighbour = make_license(
        tenant.company2,
        number="粤B2-20250004",
        issued_on=date(2025, 3, 1),
        expires_on=date(2030, 2, 28),
        recorded_by=tenant.consultant,
    )
    page = _text(_client(tenant.client).get(reverse("register:portal")))
    assert "粤B2-20250001" in page and "年度报告" in page
    assert neighbour.number not in page and tenant.company2.name not in page
    assert 'data-testid="nav-licenses" aria-current="page">我的许可证</a>' in page
    other = _text(_client(tenant.client2).get(reverse("register:portal")))
    assert "粤B2-20250004" in other and "粤B2-20250001" not in other


def test_the_change_filing_appears_where_the_profile_was_saved(tenant: Any, november_license: Any) -> None:
    profile = copy.deepcopy(tenant.company.profile)
    profile["company"]["legal_representative"]["name"] = "赵新"
    company_profile_update(company=tenant.company, profile=profile, actor=tenant.consultant)
    page = _text(
        _client(tenant.consultant).get(reverse("cases:company_detail", kwargs={"pk": tenant.company.pk}))
    )
    assert f'data-testid="change-proposed-{november_license.pk}"' in page
    assert "名称、法定代表人或注册资本变更" in page and "电信业务经营许可管理办法 第二十九条" in page


def test_the_portal_page_speaks_english_when_asked(tenant: Any, november_license: Any) -> None:
    client = _client(tenant.client)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = _text(client.get(reverse("register:portal")))
    assert "My licenses" in page and "Annual report for 2026" in page and "Renewal application" in page
    assert "年度报告" not in page


def test_an_uncertain_change_rule_is_shown_as_uncertain(tenant: Any, november_license: Any) -> None:
    profile = copy.deepcopy(tenant.company.profile)
    profile["company"]["shareholders"][0]["name"] = "新股东投资有限公司"
    company_profile_update(company=tenant.company, profile=profile, actor=tenant.consultant)
    url = reverse("register:detail", kwargs={"pk": november_license.pk})
    page = _text(_client(tenant.consultant).get(url))
    assert "变更经营主体、业务范围须提前申请" in page and "中华人民共和国电信条例 第十五条" in page
    assert 'data-testid="duty-uncertain">不确定：尚未核实，请向通信管理局确认</span>' in page
    assert page.count('data-testid="duty-uncertain"') == 1  # the 30-day rule (S) is not marked


def test_a_refused_proof_of_launch_comes_back_at_its_field(tenant: Any, november_license: Any) -> None:
    client = _client(tenant.consultant)
    url = reverse("register:launch", kwargs={"pk": november_license.pk})
    data = {
        "service_id": "search_query",
        "kind": "first_paying_customer",
        "url": "",
        "occurred_on": "2025-11-01",
    }
    refused = client.post(url, data)
    page = _text(refused)
    assert refused.status_code == 400
    assert 'id="launch-occurred_on_error">日期 2025-11-01 早于发证日期 2025-11-20。' in page
    assert '<option value="search_query" selected>信息搜索查询服务</option>' in page
    data["occurred_on"] = "2025-12-01"
    assert client.post(url, data).status_code == 302
    page = _text(client.get(reverse("register:detail", kwargs={"pk": november_license.pk})))
    assert 'data-testid="renewal-covers">现在申请续期可包括： 信息搜索查询服务</p>' in page


def test_staff_mark_a_license_revoked_and_it_leaves_the_valid_list(
    tenant: Any, november_license: Any
) -> None:
    client = _client(tenant.admin)
    url = reverse("register:end", kwargs={"pk": november_license.pk})
    refused = client.post(url, {"status": "revoked", "ended_on": "2026-01-05", "reason": ""})
    assert refused.status_code == 400
    done = client.post(
        url, {"status": "revoked", "ended_on": "2026-01-05", "reason": "通信管理局因未年报吊销"}
    )
    assert done.status_code == 302
    page = _text(client.get(reverse("register:list"), {"status": "revoked"}))
    assert f'data-testid="register-row-{november_license.pk}" data-status="revoked"' in page
    assert "已吊销" in page


def test_the_portal_page_reads_a_fixed_number_of_queries(
    tenant: Any, november_license: Any, django_assert_num_queries: Any
) -> None:
    client = _client(tenant.client)
    url = reverse("register:portal")
    client.get(url)
    with django_assert_num_queries(5):  # with the duty cases of the licenses
        client.get(url)
    make_license(
        tenant.company,
        number="粤B2-20250102",
        issued_on=date(2025, 3, 1),
        expires_on=date(2030, 2, 28),
        recorded_by=tenant.consultant,
    )
    with django_assert_num_queries(5):
        client.get(url)

"""The agency settings page: admins edit, audited before/after; consultants and other agencies cannot;
a bad USCC or case-number format is refused at its field; a stale form does not overwrite."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from licensedesk.core.errors import ConcurrencyError, PermissionDenied
from licensedesk.web.accounts.models import Agency
from licensedesk.web.accounts.services import agency_settings_update
from licensedesk.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
URL = "/agency/settings/"
USCC = "91440300MA5G7QXK0M"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _form(agency: Any, **changes: Any) -> dict[str, Any]:
    values = {
        "name": agency.name,
        "uscc": agency.uscc,
        "address": agency.address,
        "legal_representative": agency.legal_representative,
        "contact_person": agency.contact_person,
        "phone": agency.phone,
        "email": agency.email,
        "default_fee_cny": "" if agency.default_fee_cny is None else str(agency.default_fee_cny),
        "case_number_format": agency.case_number_format,
        "version": agency.version,
    }
    return values | changes


def test_the_url_is_the_settings_page() -> None:
    assert reverse("accounts:agency_settings") == URL


def test_an_admin_edits_the_agency_and_the_change_is_audited_before_and_after(tenant: Any) -> None:
    client = _client(tenant.admin)
    page = client.get(URL)
    assert page.status_code == 200 and "机构设置" in _text(page) and "案件编号格式" in _text(page)
    response = client.post(
        URL,
        _form(
            tenant.agency,
            uscc=USCC.lower(),
            address="深圳市福田区福华三路88号",
            legal_representative="王建华",
            default_fee_cny="30000",
            case_number_format="PC-{year}-{seq:04d}",
        ),
        follow=True,
    )
    assert response.status_code == 200 and "机构设置已保存。" in _text(response)
    agency = Agency.objects.get(pk=tenant.agency.pk)
    assert (agency.uscc, agency.case_number_format, agency.version) == (USCC, "PC-{year}-{seq:04d}", 2)
    event = AuditEvent.objects.get(action="agency.settings_updated")
    assert event.actor_id == tenant.admin.pk and event.agency_id == agency.pk
    assert event.before == {
        "uscc": "",
        "address": "",
        "legal_representative": "",
        "default_fee_cny": None,
        "case_number_format": "{year}-{seq:04d}",
    }
    assert event.after["uscc"] == USCC and event.after["case_number_format"] == "PC-{year}-{seq:04d}"


def test_consultants_and_clients_get_403_and_the_nav_shows_the_page_to_admins_only(tenant: Any) -> None:
    for user in (tenant.consultant, tenant.client):
        client = _client(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, _form(tenant.agency, name="改名")).status_code == 403
    assert Agency.objects.get(pk=tenant.agency.pk).name == tenant.agency.name
    assert 'data-testid="nav-agency-settings"' in _client(tenant.admin).get("/cases/").content.decode()
    assert (
        'data-testid="nav-agency-settings"' not in _client(tenant.consultant).get("/cases/").content.decode()
    )
    with pytest.raises(PermissionDenied) as caught:
        agency_settings_update(agency=tenant.agency, actor=tenant.consultant, expected_version=1, name="改名")
    assert caught.value.code == "permission.wrong_role"


def test_another_agencys_admin_sees_and_edits_only_their_own(tenant: Any, other_tenant: Any) -> None:
    html = _client(other_tenant.admin).get(URL).content.decode()
    assert f'value="{other_tenant.agency.name}"' in html and tenant.agency.name not in html
    with pytest.raises(PermissionDenied) as caught:
        agency_settings_update(
            agency=tenant.agency, actor=other_tenant.admin, expected_version=1, name="改名"
        )
    assert caught.value.message_zh == "无权访问其他机构的数据。"
    assert not AuditEvent.objects.filter(action="agency.settings_updated").exists()


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("uscc", "91440300MA5G7QXK0X", "统一社会信用代码："),
        ("case_number_format", "PC-{month}-{seq}", "案件编号格式：无法识别的占位符 {month}"),
        (
            "case_number_format",
            "PC-{year}",
            "案件编号格式：案件编号格式须包含且仅包含一个 {seq}（流水号）占位符。",
        ),
    ],
)
def test_a_bad_uscc_or_format_is_refused_at_its_field(
    tenant: Any, field: str, value: str, error: str
) -> None:
    response = _client(tenant.admin).post(URL, _form(tenant.agency, **{field: value}))
    assert response.status_code == 400
    [shown] = re.findall(rf'id="id_{field}_error">([^<]+)<', response.content.decode())
    assert unescape(shown).startswith(error)
    assert f'value="{value}"' in unescape(response.content.decode())  # what was typed is kept
    assert Agency.objects.get(pk=tenant.agency.pk).version == 1


def test_a_stale_form_does_not_overwrite_a_newer_save(tenant: Any) -> None:
    agency_settings_update(agency=tenant.agency, actor=tenant.admin, expected_version=1, address="新地址")
    with pytest.raises(ConcurrencyError) as caught:
        agency_settings_update(agency=tenant.agency, actor=tenant.admin, expected_version=1, address="旧表单")
    assert caught.value.message_zh == "机构设置已被他人修改，请刷新后重试。"
    response = _client(tenant.admin).post(URL, _form(tenant.agency, address="旧表单", version=1))
    assert response.status_code == 409 and "机构设置已被他人修改，请刷新后重试。" in _text(response)
    assert Agency.objects.get(pk=tenant.agency.pk).address == "新地址"

"""Case numbers: given at creation from the agency's format, sequential per agency and year, unique,
shown on the case page, the list and the board, and found by the one search box (with the company name,
USCC, legal representative, website domain and license number), never across agencies."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from html import unescape
from typing import Any

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.test import Client
from django.utils import timezone

from licensedesk.web.accounts.models import Agency, User
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case, CaseNumberSequence, LicenseRecord
from licensedesk.web.cases.selectors import case_list_visible_to
from licensedesk.web.cases.services import case_create

from .. import factories as f
from ..conftest import make_tenant

BACKEND = "django.contrib.auth.backends.ModelBackend"
LEGAL_REP = {
    "name": "欧阳明远",
    "id_type": "resident_id",
    "id_number": "440305198806123517",
    "mobile": "13800138000",
}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _company(agency: Any, seq: int, domain: str) -> Any:
    uscc = f.make_uscc(seq)
    profile = f.eligible_profile(f"搜索测试{seq}号科技有限公司", uscc, legal_representative=dict(LEGAL_REP))
    profile["service"]["websites"] = [{"domain": domain, "owner_uscc": uscc}]
    return f.ClientCompanyFactory(agency=agency, raw_profile=profile)


@pytest.mark.django_db
def test_new_cases_are_numbered_in_sequence_per_agency_and_year(tenant: Any, other_tenant: Any) -> None:
    Agency.objects.filter(pk=tenant.agency.pk).update(case_number_format="PC-{year}-{seq:04d}")
    first = case_create(
        company=f.ClientCompanyFactory(agency=tenant.agency),
        license_id="icp-b25",
        actor=tenant.admin,
        opened_on=date(2026, 3, 1),
    )
    second = case_create(
        company=f.ClientCompanyFactory(agency=tenant.agency),
        license_id="icp-b25",
        actor=tenant.consultant,
        opened_on=date(2026, 3, 2),
    )
    next_year = case_create(
        company=f.ClientCompanyFactory(agency=tenant.agency),
        license_id="icp-b25",
        actor=tenant.admin,
        opened_on=date(2027, 1, 4),
    )
    elsewhere = case_create(
        company=f.ClientCompanyFactory(agency=other_tenant.agency),
        license_id="icp-b25",
        actor=other_tenant.admin,
        opened_on=date(2026, 3, 1),
    )
    assert [first.number, second.number, next_year.number] == ["PC-2026-0001", "PC-2026-0002", "PC-2027-0001"]
    assert elsewhere.number == "2026-0001"  # the other agency: its own format and its own sequence
    created = AuditEvent.objects.filter(action="case.created", case_id=first.pk).get()
    assert created.after["number"] == "PC-2026-0001"


@pytest.mark.django_db
def test_a_number_already_taken_is_skipped_and_the_database_refuses_duplicates(tenant: Any) -> None:
    Agency.objects.filter(pk=tenant.agency.pk).update(case_number_format="X-{seq:02d}")
    Case.objects.filter(pk=tenant.case.pk).update(number="X-01")
    case = case_create(
        company=f.ClientCompanyFactory(agency=tenant.agency), license_id="icp-b25", actor=tenant.admin
    )
    assert case.number == "X-02"
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=tenant.case2.pk).update(number="X-02")


@pytest.mark.django_db
def test_the_migration_numbers_existing_cases_in_creation_order(tenant: Any) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("licensedesk.web.cases.migrations.0005_case_number")
    Case.objects.filter(agency=tenant.agency).update(number="")
    migration.number_existing_cases(apps, None)
    year = tenant.case.opened_on.year
    numbers = list(
        Case.objects.filter(agency=tenant.agency)
        .order_by("created_at", "pk")
        .values_list("number", flat=True)
    )
    assert numbers == [f"{year}-0001", f"{year}-0002"]
    assert CaseNumberSequence.objects.get(agency=tenant.agency, year=year).last == 2
    new = case_create(
        company=f.ClientCompanyFactory(agency=tenant.agency), license_id="icp-b25", actor=tenant.admin
    )
    assert new.number == f"{year}-0003"


@pytest.mark.django_db
def test_the_number_is_on_the_case_page_the_list_and_the_board(tenant: Any) -> None:
    client = _client(tenant.consultant)
    number = tenant.case.number
    page = client.get(f"/cases/{tenant.case.pk}/")
    assert f"案件编号 {number}" in _text(page)
    listing = client.get("/cases/").content.decode()
    assert f'data-testid="case-number-{tenant.case.pk}">{number}<' in listing
    board = client.get("/cases/board/").content.decode()
    assert f'data-testid="card-number-{tenant.case.pk}">{number}<' in board


@pytest.mark.django_db
def test_each_searched_field_finds_the_case_and_never_another_agencys(tenant: Any, other_tenant: Any) -> None:
    company = _company(tenant.agency, 801, "yunfan-search.cn")
    case = case_create(company=company, license_id="icp-b25", actor=tenant.admin)
    LicenseRecord.objects.create(
        case=case,
        agency_id=case.agency_id,
        company_id=case.company_id,
        license_id=case.license_id,
        number="粤B2-20260801",
        issued_on=date(2026, 5, 1),
        expires_on=date(2031, 5, 1),
        recorded_by=tenant.admin,
    )
    twin = _company(other_tenant.agency, 802, "yunfan-search.cn")  # the same domain at another agency
    case_create(company=twin, license_id="icp-b25", actor=other_tenant.admin)
    for query in (case.number, "搜索测试801", company.uscc, "欧阳明远", "yunfan-search", "B2-20260801"):
        found = list(case_list_visible_to(user=tenant.consultant, search=query))
        assert found == [case], query
    assert list(case_list_visible_to(user=tenant.consultant, search="搜索测试802")) == []
    page = _client(tenant.consultant).get("/cases/", {"q": "yunfan-search"})
    assert f'data-testid="case-link-{case.pk}"' in page.content.decode()
    assert twin.name not in page.content.decode()


@pytest.mark.django_db
def test_the_search_box_is_for_staff_and_clients_have_no_search(tenant: Any) -> None:
    staff_page = _client(tenant.consultant).get("/cases/board/").content.decode()
    assert 'data-testid="nav-search"' in staff_page and 'action="/cases/"' in staff_page
    client = _client(tenant.client)
    assert 'data-testid="nav-search"' not in client.get("/portal/", follow=True).content.decode()
    assert client.get("/cases/", {"q": tenant.case.number}).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_cases_opened_at_the_same_moment_get_distinct_numbers() -> None:
    assert connection.vendor == "postgresql"
    tenant = make_tenant("编号并发企业管理咨询有限公司")
    companies = [f.ClientCompanyFactory(agency=tenant.agency).pk for _ in range(4)]
    start = threading.Barrier(len(companies), timeout=20)

    def open_case(company_id: int) -> str:
        close_old_connections()
        try:
            actor = User.objects.get(pk=tenant.admin.pk)
            company = f.ClientCompanyFactory._meta.model.objects.get(pk=company_id)
            start.wait()
            return case_create(company=company, license_id="icp-b25", actor=actor).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(companies)) as pool:
        numbers = [fut.result(timeout=60) for fut in [pool.submit(open_case, pk) for pk in companies]]
    year = timezone.localdate().year
    assert sorted(numbers) == [f"{year}-{n:04d}" for n in range(1, 5)]  # distinct and without gaps

"""Duties and statuses of registered licenses, and who sees which license."""

from __future__ import annotations

from datetime import date
from typing import Any

from licensedesk.web.cases.models import LicenseStatus
from licensedesk.web.register.selectors import (
    license_duties,
    license_duties_for_company,
    license_status,
    licenses_visible_to,
    register_rows_visible_to,
)

from .conftest import make_license


def test_a_license_issued_in_november_first_reports_the_next_first_quarter(november_license: Any) -> None:
    duties = license_duties_for_company(company=november_license.company_id, as_of=date(2025, 12, 1))
    first = duties[0]
    assert (first.kind, first.period, first.opens, first.due) == (
        "annual_report",
        "2025",
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    assert first.license == november_license and first.certainty == "S"
    assert first.citations == ("工业和信息化部关于电信业务经营许可年报工作的通知", "电信业务经营许可管理办法")
    assert [d.period for d in duties if d.kind == "annual_report"] == ["2025", "2026", "2027", "2028", "2029"]


def test_a_license_issued_on_1_january_skips_that_years_report(tenant: Any) -> None:
    record = make_license(
        tenant.company,
        number="粤B2-20260002",
        issued_on=date(2026, 1, 1),
        expires_on=date(2030, 12, 31),
        recorded_by=tenant.consultant,
    )
    duties = license_duties_for_company(company=tenant.company, as_of=date(2026, 1, 2))
    reports = [d for d in duties if d.kind == "annual_report" and d.license == record]
    assert (reports[0].period, reports[0].opens, reports[0].due) == (
        "2026",
        date(2027, 1, 1),
        date(2027, 3, 31),
    )


def test_the_renewal_is_due_90_days_before_expiry(november_license: Any) -> None:
    duties = license_duties_for_company(company=november_license.company_id, as_of=date(2025, 12, 1))
    renewal = next(d for d in duties if d.kind == "renewal")
    assert renewal.due == date(2030, 8, 21)  # 2030-11-19 minus 90 days
    assert renewal.citations == ("电信业务经营许可管理办法 第二十七条",)


def test_the_status_follows_the_dates_and_what_staff_set(november_license: Any) -> None:
    assert license_status(november_license, as_of=date(2026, 6, 1)) == LicenseStatus.VALID
    # the register flags the renewal 90 days before the last day to apply (2030-08-21)
    assert license_status(november_license, as_of=date(2030, 5, 22)) == LicenseStatus.VALID
    assert license_status(november_license, as_of=date(2030, 5, 23)) == LicenseStatus.RENEWAL_DUE
    assert license_status(november_license, as_of=date(2030, 11, 19)) == LicenseStatus.RENEWAL_DUE
    assert license_status(november_license, as_of=date(2030, 11, 20)) == LicenseStatus.EXPIRED
    assert license_duties_for_company(company=november_license.company_id, as_of=date(2030, 11, 20)) == []
    november_license.ended_status, november_license.ended_on = LicenseStatus.REVOKED, date(2027, 2, 1)
    assert license_status(november_license, as_of=date(2027, 1, 31)) == LicenseStatus.VALID
    assert license_status(november_license, as_of=date(2027, 2, 1)) == LicenseStatus.REVOKED


def test_duties_and_rows_stay_inside_the_agency_and_the_company(
    tenant: Any, other_tenant: Any, november_license: Any
) -> None:
    theirs = make_license(
        other_tenant.company,
        number="粤B2-20250003",
        issued_on=date(2025, 3, 1),
        expires_on=date(2030, 2, 28),
        recorded_by=other_tenant.consultant,
    )
    neighbour = make_license(
        tenant.company2,
        number="粤B2-20250004",
        issued_on=date(2025, 3, 1),
        expires_on=date(2030, 2, 28),
        recorded_by=tenant.consultant,
    )
    as_of = date(2025, 12, 1)
    assert {d.license.pk for d in license_duties(agency=tenant.agency, as_of=as_of)} == {
        november_license.pk,
        neighbour.pk,
    }
    assert {d.license.pk for d in license_duties(agency=other_tenant.agency.pk, as_of=as_of)} == {theirs.pk}
    assert set(licenses_visible_to(user=tenant.consultant)) == {november_license, neighbour}
    assert set(licenses_visible_to(user=tenant.client)) == {november_license}
    assert set(licenses_visible_to(user=other_tenant.admin)) == {theirs}
    rows = register_rows_visible_to(user=tenant.client, as_of=as_of)
    assert [r.license for r in rows] == [november_license]


def test_the_register_filters_by_status_and_next_due_date(tenant: Any, november_license: Any) -> None:
    old = make_license(
        tenant.company2,
        number="粤B2-20210005",
        issued_on=date(2021, 3, 1),
        expires_on=date(2026, 2, 28),
        recorded_by=tenant.consultant,
    )
    as_of = date(2025, 12, 1)
    rows = register_rows_visible_to(user=tenant.admin, as_of=as_of)
    assert [r.license for r in rows] == [old, november_license]  # the renewal due 2025-11-30 is overdue
    assert rows[0].status == LicenseStatus.RENEWAL_DUE and rows[0].next_duty.kind == "renewal"
    assert rows[0].next_duty.overdue(as_of)
    status = register_rows_visible_to(user=tenant.admin, as_of=as_of, status=LicenseStatus.VALID)
    assert [r.license for r in status] == [november_license]
    due = register_rows_visible_to(user=tenant.admin, as_of=as_of, due_by=date(2025, 12, 31))
    assert [r.license for r in due] == [old]
    assert (
        register_rows_visible_to(user=tenant.admin, as_of=as_of, search="20250001")[0].license
        == november_license
    )

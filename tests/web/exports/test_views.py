"""Exports through the real views: the CSV read back with the csv module, the XLSX opened back with
openpyxl (dates as dates), the list's filters applied, tenancy kept, queries constant in rows."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from licensedesk.web.cases.display import stage_title
from licensedesk.web.materials.models import CaseMaterial, MaterialStatus

from ..factories import CaseFactory, ClientCompanyFactory

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
CASE_HEADER = [
    "案件编号",
    "企业名称",
    "统一社会信用代码",
    "许可证",
    "阶段",
    "顾问",
    "立案日期",
    "目标日期",
    "法定期限",
    "进入本阶段",
    "结案时间",
    "最后更新",
]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _body(response: Any) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def _csv(response: Any) -> list[list[str]]:
    body = _body(response)
    assert body.startswith("\ufeff".encode())  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(response: Any) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(_body(response)), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_case_list_as_csv(tenant: Any, other_tenant: Any) -> None:
    tenant.case.target_date = date(2027, 3, 31)
    tenant.case.save()
    response = _client(tenant.consultant).get("/exports/cases.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response["Cache-Control"] == "no-store"
    header, *rows = _csv(response)
    assert header == CASE_HEADER
    assert sorted(r[1] for r in rows) == sorted([tenant.company.name, tenant.company2.name])
    row = next(r for r in rows if r[1] == tenant.company.name)
    assert row[0] == tenant.case.number and row[2] == tenant.company.uscc
    assert row[3] == "ICP 许可证"  # the license's Chinese short name from the catalog
    assert row[4] == stage_title(tenant.case, "zh")
    assert row[7] == "2027-03-31"
    assert row[6] == tenant.case.opened_on.isoformat()
    assert (
        other_tenant.company.name not in _body(_client(tenant.consultant).get("/exports/cases.csv")).decode()
    )


def test_case_list_as_xlsx_has_dates_as_dates(tenant: Any) -> None:
    tenant.case.target_date = date(2027, 3, 31)
    tenant.case.save()
    response = _client(tenant.admin).get("/exports/cases.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = _xlsx(response)
    assert list(header) == CASE_HEADER
    assert len(rows) == 2
    row = next(r for r in rows if r[1] == tenant.company.name)
    assert row[7] == datetime(2027, 3, 31)  # an Excel date (openpyxl reads dates back as datetimes)
    assert isinstance(row[6], datetime) and row[6].date() == tenant.case.opened_on
    stored = timezone.localtime(tenant.case.stage_entered_at).replace(tzinfo=None, second=0, microsecond=0)
    assert row[9].replace(second=0, microsecond=0) == stored  # local (China) time


def test_the_list_filters_apply(tenant: Any) -> None:
    company = ClientCompanyFactory(agency=tenant.agency, name="独特检索词科技有限公司")
    CaseFactory(company=company, consultant=tenant.consultant)
    _, *rows = _csv(_client(tenant.consultant).get("/exports/cases.csv", {"q": "独特检索词"}))
    assert [r[1] for r in rows] == ["独特检索词科技有限公司"]
    _, *rows = _csv(
        _client(tenant.consultant).get("/exports/cases.csv", {"consultant": tenant.other_consultant.pk})
    )
    assert [r[1] for r in rows] == [tenant.company2.name]


def test_companies_and_materials(tenant: Any) -> None:
    header, *rows = _csv(_client(tenant.consultant).get("/exports/companies.csv"))
    assert header == ["企业名称", "统一社会信用代码", "省份", "企业类型", "在办案件", "案件总数", "建档时间"]
    assert sorted(r[0] for r in rows) == sorted([tenant.company.name, tenant.company2.name])
    assert {r[4] for r in rows} == {"1"}
    CaseMaterial.objects.create(
        case=tenant.case,
        material_id="business_license",
        position=1,
        title_zh="营业执照",
        title_en="Business license",
        status=MaterialStatus.ACCEPTED,
        status_changed_at=timezone.now(),
        accepted_until=date(2027, 6, 30),
    )
    header, *rows = _xlsx(_client(tenant.consultant).get("/exports/materials.xlsx"))
    assert list(header) == ["案件编号", "企业名称", "材料", "必需", "状态", "状态变更时间", "有效至"]
    [row] = rows
    assert row[:5] == (tenant.case.number, tenant.company.name, "营业执照", "是", "已通过")
    assert isinstance(row[5], datetime) and row[6] == datetime(2027, 6, 30)


def test_clients_and_strangers_get_nothing(tenant: Any) -> None:
    assert _client(tenant.client).get("/exports/cases.csv").status_code == 403
    assert Client().get("/exports/cases.csv").status_code == 302
    assert _client(tenant.consultant).get("/exports/secrets.csv").status_code == 404


def test_queries_do_not_grow_with_rows(tenant: Any) -> None:
    client = _client(tenant.consultant)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            _body(client.get(url))
        return len(queries)

    urls = ("/exports/cases.csv", "/exports/cases.xlsx", "/exports/companies.csv", "/exports/materials.csv")
    before = [count(url) for url in urls]
    for _ in range(25):
        company = ClientCompanyFactory(agency=tenant.agency)
        CaseFactory(company=company, consultant=tenant.consultant)
    assert [count(url) for url in urls] == before


def _license(tenant: Any) -> Any:
    from licensedesk.web.cases.models import LicenseRecord

    licensed = CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency), stage="approved", consultant=tenant.admin
    )
    return LicenseRecord.objects.create(
        case=licensed,
        agency_id=licensed.agency_id,
        company_id=licensed.company_id,
        license_id=licensed.license_id,
        number="粤B2-20260009",
        authority="广东省通信管理局",
        issued_on=date(2025, 3, 1),
        expires_on=date(2030, 3, 1),
        recorded_by=tenant.admin,
    )


def test_license_register(tenant: Any, other_tenant: Any) -> None:
    record = _license(tenant)
    _license(other_tenant)  # another agency's license never shows
    header, *rows = _xlsx(_client(tenant.consultant).get("/exports/register.xlsx"))
    assert list(header) == [
        "许可证编号",
        "企业名称",
        "许可证",
        "发证机关",
        "发证日期",
        "有效期至",
        "状态",
        "下一项义务",
        "下一项义务截止",
        "依据可靠性",
    ]
    [row] = rows
    assert row[:6] == (
        "粤B2-20260009",
        record.company.name,
        "ICP 许可证",
        "广东省通信管理局",
        datetime(2025, 3, 1),
        datetime(2030, 3, 1),
    )
    assert row[7] and isinstance(row[8], datetime)  # the next duty (an annual report) and its due date
    header, *rows = _csv(_client(tenant.consultant).get("/exports/register.csv", {"q": "不存在的企业"}))
    assert rows == []


def test_deadlines_are_the_readers_own(tenant: Any) -> None:
    from licensedesk.web.reminders.selectors import deadlines_owned_by

    _license(tenant)
    expected = deadlines_owned_by(user=tenant.admin, today=timezone.localdate())
    assert expected  # the license's annual reports and renewal
    header, *rows = _csv(_client(tenant.admin).get("/exports/deadlines.csv"))
    assert header == [
        "截止日期",
        "事项",
        "企业名称",
        "剩余天数",
        "可办理起始",
        "日期为估算",
        "依据",
        "依据可靠性",
    ]
    assert [r[0] for r in rows] == [d.due.isoformat() for d in expected]
    assert [r[1] for r in rows] == [d.title_zh for d in expected]
    # the consultant looks after none of them: an empty file, not the admin's
    header, *rows = _csv(_client(tenant.consultant).get("/exports/deadlines.csv"))
    assert rows == []


def test_formulas_typed_by_a_client_stay_text(tenant: Any) -> None:
    company = ClientCompanyFactory(agency=tenant.agency, name='=HYPERLINK("http://evil.example","点我")')
    CaseFactory(company=company, consultant=tenant.consultant)
    client = _client(tenant.consultant)
    _, *rows = _csv(client.get("/exports/companies.csv"))
    assert '\'=HYPERLINK("http://evil.example","点我")' in [r[0] for r in rows]
    book = load_workbook(io.BytesIO(_body(client.get("/exports/companies.xlsx"))))
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    [cell] = [c for c in cells if str(c.value).startswith("=HYPERLINK")]
    assert cell.data_type == "s"  # a string, not a formula

"""The pages of a duty case (annual report, change, renewal; issue 11): started with one click from the
register's license page, shown with its own stages and only the blocks that make sense for its type;
the client's portal says what they must do; the board and the list show the case type."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licensedesk.web.cases.models import Case, LicenseRecord
from licensedesk.web.cases.page_layout import page_focus, page_order, page_panels
from licensedesk.web.register.selectors import duties_of
from licensedesk.web.register.services import duty_case_start

from ..factories import CaseFactory, ClientCompanyFactory
from ..register.conftest import make_license

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def held(tenant: Any) -> LicenseRecord:
    issued = timezone.localdate() - timedelta(days=400)
    return make_license(
        tenant.company,
        number="粤B2-20240101",
        issued_on=issued,
        expires_on=issued.replace(year=issued.year + 5) - timedelta(days=1),
        recorded_by=tenant.consultant,
        services=["publishing_platform"],
    )


def _annual_period(record: LicenseRecord) -> str:
    record = LicenseRecord.objects.get(pk=record.pk)
    return next(d.period for d in duties_of(record, as_of=timezone.localdate()) if d.kind == "annual_report")


def test_one_click_on_the_register_starts_the_annual_report_case_and_opens_it(
    tenant: Any, held: LicenseRecord
) -> None:
    client = _client(tenant.consultant)
    page = _text(client.get(reverse("register:detail", args=[held.pk])))
    assert 'data-testid="start-annual_report-' in page and "立案办理" in page
    response = client.post(
        reverse("register:duty_case", args=[held.pk]),
        {"kind": "annual_report", "period": _annual_period(held)},
    )
    case = Case.objects.get(case_type="annual_report")
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    page = _text(client.get(response["Location"]))
    assert '<strong data-testid="case-type">年报</strong>' in page
    assert '<dd data-testid="case-stage"><strong>准备年报</strong></dd>' in page
    steps = re.findall(r'data-testid="step" data-stage="([a-z_]+)"', page)
    assert steps == ["preparing_report", "client_confirming", "report_submitted"]
    assert 'data-testid="duty-panel"' in page and "粤B2-20240101" in page
    assert f'data-testid="duty-report-year">{case.duty_period}</dd>' in page
    assert 'id="eligibility"' not in page and 'data-block="documents"' not in page
    # the register shows the duty's case, and no second button for it
    page = _text(client.get(reverse("register:detail", args=[held.pk])))
    assert f">{case.number}</a>" in page and "办理中" in page
    assert 'data-testid="start-annual_report-' not in page


def test_a_second_click_says_the_duty_has_a_case(tenant: Any, held: LicenseRecord) -> None:
    client = _client(tenant.admin)
    url = reverse("register:duty_case", args=[held.pk])
    data = {"kind": "annual_report", "period": _annual_period(held)}
    client.post(url, data)
    number = Case.objects.get(case_type="annual_report").number
    response = client.post(url, data, follow=True)
    assert f"该义务已有在办案件（{number}）。" in _text(response)
    assert Case.objects.filter(case_type="annual_report").count() == 1


def test_clients_and_other_agencies_cannot_start_a_duty_case(
    tenant: Any, other_tenant: Any, held: LicenseRecord
) -> None:
    url = reverse("register:duty_case", args=[held.pk])
    data = {"kind": "annual_report", "period": _annual_period(held)}
    assert _client(tenant.client).post(url, data).status_code == 403
    assert _client(other_tenant.admin).post(url, data).status_code == 404
    assert not Case.objects.filter(case_type="annual_report").exists()


def test_the_client_sees_what_to_do_for_the_annual_report_in_the_portal(
    tenant: Any, held: LicenseRecord
) -> None:
    case = duty_case_start(
        license=held, kind="annual_report", period=_annual_period(held), actor=tenant.consultant
    )
    page = _text(_client(tenant.client).get(reverse("portal:case", args=[case.pk])))
    assert '<span data-testid="portal-case-type">年报</span>' in page
    assert "请核对我们根据贵司资料预填的上一年度经营情况" in page
    assert "涉及许可证 粤B2-20240101" in page
    assert 'data-testid="portal-current-stage">准备年报</strong>' in page
    # the client's licenses page links the duty to its case
    page = _text(_client(tenant.client).get(reverse("register:portal")))
    assert reverse("portal:case", args=[case.pk]) in page and "立案办理" not in page


def test_the_page_layout_reads_the_case_type(tenant: Any, held: LicenseRecord) -> None:
    annual = duty_case_start(
        license=held, kind="annual_report", period=_annual_period(held), actor=tenant.consultant
    )
    assert page_panels(annual) == ("materials", "authority", "license")
    assert page_focus(annual, license_recorded=False) == "materials"
    assert page_order("materials", page_panels(annual)) == ["materials", "authority", "license"]
    annual.stage = "report_submitted"
    assert page_focus(annual, license_recorded=False) == "license"  # granted: the license panel first
    renewal = duty_case_start(
        license=held,
        kind="renewal",
        period=next(d.period for d in duties_of(held, as_of=timezone.localdate()) if d.kind == "renewal"),
        actor=tenant.consultant,
    )
    assert page_panels(renewal) == ("materials", "documents", "authority", "license")
    renewal.stage = "renewal_submitted"
    assert page_focus(renewal, license_recorded=False) == "authority"


def test_an_application_is_granted_where_its_workflow_says(tenant: Any) -> None:
    """Read from the catalog's ``granted_at``, not from stage names: an ICP filing ends ``filed``."""
    filing = CaseFactory(
        company=tenant.company, license_id="icp-filing", ruleset_version=_newest("icp-filing"), stage="filed"
    )
    assert page_focus(filing, license_recorded=False) == "license"
    assert page_panels(filing) == ("eligibility", "materials", "documents", "authority", "license")
    approved = CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), stage="approved")
    assert page_focus(approved, license_recorded=False) == "license"


def _newest(license_id: str) -> str:
    from licensedesk.core.catalog.loader import default_catalog

    return default_catalog().license(license_id).versions[-1].id


def test_the_board_shows_one_case_type_and_the_list_names_it(tenant: Any, held: LicenseRecord) -> None:
    case = duty_case_start(
        license=held, kind="annual_report", period=_annual_period(held), actor=tenant.consultant
    )
    client = _client(tenant.admin)
    board = _text(client.get(reverse("cases:board"), {"license": "icp-b25"}))
    assert f'data-testid="card-{case.pk}"' not in board  # the application's board
    assert 'data-testid="column-preparing_report"' not in board
    board = _text(client.get(reverse("cases:board"), {"license": "icp-b25", "case_type": "annual_report"}))
    assert f'data-testid="card-{case.pk}"' in board and f'data-testid="card-{tenant.case.pk}"' not in board
    assert 'data-testid="column-preparing_report"' in board
    assert "在办年报案件 1 件" in board
    listing = _text(client.get(reverse("cases:list")))
    assert f'data-testid="case-type-{case.pk}">年报</span>' in listing
    listing = _text(client.get(reverse("cases:list"), {"case_type": "annual_report"}))
    assert f'data-testid="case-row-{case.pk}"' in listing
    assert f'data-testid="case-row-{tenant.case.pk}"' not in listing

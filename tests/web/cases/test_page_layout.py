"""The case page follows the stage: what matters now comes first, a settled eligibility check folds."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases.models import LicenseRecord

from ..factories import CaseFactory, ClientCompanyFactory

pytestmark = pytest.mark.django_db

_BLOCKS = {
    'id="eligibility"': "eligibility",
    'data-block="materials"': "materials",
    'data-block="documents"': "documents",
    'data-block="authority"': "authority",
    'data-block="license"': "license",
    'id="timeline"': "timeline",
}


def _page(tenant: Any, case: Any) -> str:
    client = Client()
    client.force_login(tenant.consultant)
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _order(html: str) -> list[str]:
    """The blocks of the page in the order they appear."""
    found = [(html.index(marker), name) for marker, name in _BLOCKS.items() if marker in html]
    return [name for _at, name in sorted(found)]


def _case(tenant: Any, stage: str) -> Any:
    return CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency), stage=stage, consultant=tenant.consultant
    )


def test_at_qualification_the_eligibility_check_comes_first_and_open(tenant: Any) -> None:
    html = _page(tenant, _case(tenant, "qualification_review"))
    assert _order(html) == ["eligibility", "materials", "documents", "timeline"]
    assert 'data-testid="eligibility-folded"' not in html


@pytest.mark.parametrize("stage", ["collecting_materials", "reviewing_materials"])
def test_at_material_stages_the_checklist_comes_first_and_eligibility_folds(tenant: Any, stage: str) -> None:
    html = _page(tenant, _case(tenant, stage))
    assert _order(html)[:2] == ["materials", "eligibility"]
    folded = html[html.index('data-testid="eligibility-folded"') :]
    assert folded.index("<summary>") < folded.index('id="eligibility"') < folded.index("</details>")


def test_at_authority_review_the_authoritys_dated_events_come_first(tenant: Any) -> None:
    case = _case(tenant, "under_authority_review")
    audit_record(
        agency=case.agency_id,
        actor=tenant.consultant,
        action="case.transitioned",
        case=case,
        target=case,
        before={"stage": "paper_submitted"},
        after={"stage": "under_authority_review"},
        data={
            "event": {
                "kind": "acceptance_notice",
                "occurred_on": "2026-11-30",
                "reference": {"notice_number": "粤通受〔2026〕118号"},
            }
        },
    )
    html = _page(tenant, case)
    assert _order(html)[0] == "authority"
    panel = html[html.index('data-testid="authority-events"') :]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", panel[: panel.index("</section>")]))
    assert "许可机关办理情况" in text
    assert "通信管理局受理 2026-11-30 · 受理通知书编号：粤通受〔2026〕118号" in text


def test_after_the_license_the_license_comes_first(tenant: Any) -> None:
    case = _case(tenant, "licensed")
    LicenseRecord.objects.create(
        case=case,
        agency_id=case.agency_id,
        company_id=case.company_id,
        license_id=case.license_id,
        number="粤B2-20264321",
        issued_on=date(2026, 11, 20),
        expires_on=date(2031, 11, 19),
        recorded_by=tenant.consultant,
    )
    html = _page(tenant, case)
    assert _order(html)[0] == "license"
    assert "粤B2-20264321</strong> · 有效期 2026-11-20 至 2031-11-19" in html
    assert 'data-testid="eligibility-folded"' in html

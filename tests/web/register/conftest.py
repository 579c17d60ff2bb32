from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from licensedesk.web.cases.models import LicenseRecord, LicenseSource


def make_license(
    company: Any,
    *,
    number: str,
    issued_on: date,
    expires_on: date | None,
    recorded_by: Any,
    case: Any = None,
    services: list[str] | None = None,
) -> LicenseRecord:
    """A register row written directly (the services under test are exercised in test_services)."""
    return LicenseRecord.objects.create(
        agency_id=company.agency_id,
        company=company,
        case=case,
        source=LicenseSource.CASE if case else LicenseSource.MANUAL,
        license_id="icp-b25",
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
        services=services or [],
        recorded_by=recorded_by,
    )


@pytest.fixture
def november_license(tenant: Any) -> LicenseRecord:
    """Issued 20 November 2025, for five years."""
    return make_license(
        tenant.company,
        number="粤B2-20250001",
        issued_on=date(2025, 11, 20),
        expires_on=date(2030, 11, 19),
        recorded_by=tenant.consultant,
        services=["publishing_platform", "search_query"],
    )

"""Read-only: the license register (each license's status and duties) and the statutory deadlines
of a case — the selectors of the register page and of the case page's clocks."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from licensedesk.web.api.auth import needs
from licensedesk.web.api.endpoints.common import actor, case_for
from licensedesk.web.api.schemas import DeadlineOut, LicenseOut
from licensedesk.web.cases.clocks import clocks_for_case
from licensedesk.web.register.selectors import (
    RegisterRow,
    license_get_visible_to,
    register_row,
    register_rows_visible_to,
)

router = Router()

AS_OF = Query(None, description="Status and duties on this day (default today in China).")


def _duty(duty: Any) -> dict[str, Any]:
    return {
        "kind": duty.kind,
        "period": duty.period,
        "opens": duty.opens,
        "due": duty.due,
        "citations": list(duty.citations),
        "certainty": duty.certainty,
        "uncertain": duty.uncertain,
        "approximate": duty.approximate,
        "title_zh": duty.title.zh if duty.title else "",
        "title_en": duty.title.en if duty.title else "",
    }


def _license(row: RegisterRow) -> dict[str, Any]:
    record = row.license
    return {
        "id": record.pk,
        "license_id": record.license_id,
        "number": record.number,
        "company_id": record.company_id,
        "company_name": record.company.name,
        "case_id": record.case_id,
        "authority": record.authority,
        "issued_on": record.issued_on,
        "expires_on": record.expires_on,
        "status": row.status,
        "duties": [_duty(d) for d in row.duties],
    }


@router.get("/licenses", response=list[LicenseOut], tags=["register"], **needs("register", "read"))
def list_licenses(
    request: HttpRequest,
    status: str = "",
    due_by: date | None = None,
    q: str = Query("", description="A company name fragment or a license number"),
    company_id: int | None = None,
    as_of: date | None = AS_OF,
) -> list[dict[str, Any]]:
    """The agency's licenses by next duty (the register page's filters)."""
    rows = register_rows_visible_to(
        user=actor(request),
        as_of=as_of or timezone.localdate(),
        status=status,
        due_by=due_by,
        search=q,
        company_id=company_id,
    )
    return [_license(r) for r in rows]


@router.get("/licenses/{int:record_id}", response=LicenseOut, tags=["register"], **needs("register", "read"))
def get_license(request: HttpRequest, record_id: int, as_of: date | None = AS_OF) -> dict[str, Any]:
    record = license_get_visible_to(user=actor(request), license_id=record_id)
    return _license(register_row(record, as_of=as_of or timezone.localdate()))


@router.get(
    "/cases/{int:case_id}/deadlines",
    response=list[DeadlineOut],
    tags=["deadlines"],
    **needs("deadlines", "read"),
)
def case_deadlines(request: HttpRequest, case_id: int, as_of: date | None = AS_OF) -> list[dict[str, Any]]:
    """The case's statutory clocks: what is due, by when, days left as the law counts them."""
    case = case_for(request, case_id)
    clocks = clocks_for_case(case=case, today=as_of or timezone.localdate())
    return [{**asdict(clock), "citations": list(clock.citations)} for clock in clocks]

"""Cases: open, read, list (cursor pages, the web list's filters), the moves and stage moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from licensedesk.core.errors import InvalidInput
from licensedesk.web.accounts.selectors import consultants_of
from licensedesk.web.api import pagination
from licensedesk.web.api.auth import needs
from licensedesk.web.api.endpoints.common import IF_MATCH_PARAM, actor, case_for, etag, if_match
from licensedesk.web.api.errors import cursor_invalid
from licensedesk.web.api.schemas import CaseIn, CaseOut, CasePage, MoveIn, MoveOptionOut
from licensedesk.web.cases import services
from licensedesk.web.cases.selectors import case_list_visible_to, case_moves, company_get_visible_to

router = Router(tags=["cases"])


@router.get("/cases", response=CasePage, **needs("cases", "read"))
def list_cases(
    request: HttpRequest,
    stage: str = "",
    consultant_id: int | None = None,
    company_id: int | None = None,
    license_id: str = "",
    q: str = Query("", description="Case number, company name, USCC prefix, domain, license number"),
    open_only: bool = False,
    cursor: str | None = None,
    limit: int = Query(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT),
) -> dict[str, Any]:
    """The case list, newest activity first, with the web list's filters."""
    rows = case_list_visible_to(
        user=actor(request),
        stage=stage,
        consultant_id=consultant_id,
        company_id=company_id,
        license_id=license_id,
        search=q,
        open_only=open_only,
    )

    def after(values: list[Any]) -> Q:
        try:
            updated = datetime.fromisoformat(values[0])
            pk = int(values[1])
        except (TypeError, ValueError):
            raise cursor_invalid() from None
        return Q(updated_at__lt=updated) | Q(updated_at=updated, pk__lt=pk)

    items, next_cursor = pagination.page(
        rows,
        cursor=cursor,
        limit=limit,
        after=after,
        key=lambda c: [c.updated_at.isoformat(), c.pk],
        size=2,
    )
    return {"items": items, "next_cursor": next_cursor}


def _consultant(request: HttpRequest, consultant_id: int | None) -> Any:
    if consultant_id is None:
        return None
    user = actor(request)
    consultant = consultants_of(agency_id=user.agency_id).filter(pk=consultant_id).first()
    if consultant is None:
        raise InvalidInput(
            "The consultant must be an active consultant or admin of this agency.",
            code="case.consultant_invalid",
            message_zh="顾问须为本机构在职的顾问或管理员。",
            details={"field": "consultant_id"},
        )
    return consultant


@router.post("/cases", response={201: CaseOut}, **needs("cases", "write"))
def create_case(request: HttpRequest, payload: CaseIn, response: HttpResponse) -> Status:
    """Open a case for a company and a license, at the workflow's first stage."""
    company = company_get_visible_to(user=actor(request), company_id=payload.company_id)
    case = services.case_create(
        company=company,
        license_id=payload.license_id,
        actor=actor(request),
        consultant=_consultant(request, payload.consultant_id),
        target_date=payload.target_date,
        opened_on=payload.opened_on,
    )
    response["ETag"] = etag(case.version)
    return Status(201, case)


@router.get("/cases/{int:case_id}", response=CaseOut, **needs("cases", "read"))
def get_case(request: HttpRequest, case_id: int, response: HttpResponse) -> Any:
    case = case_for(request, case_id)
    response["ETag"] = etag(case.version)
    return case


@router.get("/cases/{int:case_id}/moves", response=list[MoveOptionOut], **needs("cases", "read"))
def list_moves(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    """The stages the case can move to next, and what blocks each (the guards, as of now)."""
    case = case_for(request, case_id)
    return [
        {
            "to_stage": m.to_stage,
            "title_zh": m.title_zh,
            "title_en": m.title_en,
            "allowed": m.allowed,
            "blocked_by": [g.code or g.guard for g in m.blocked_by],
        }
        for m in case_moves(user=actor(request), case=case)
    ]


@router.post(
    "/cases/{int:case_id}/moves",
    response=CaseOut,
    **needs("cases", "write", **IF_MATCH_PARAM),
)
def move_case(request: HttpRequest, case_id: int, payload: MoveIn, response: HttpResponse) -> Any:
    """Move the case to another stage, with the web's guards. ``If-Match``: the case version read;
    when the case changed since, nothing is written (409 ``case.changed``)."""
    case = case_for(request, case_id)
    case = services.case_transition(
        case=case,
        to_stage=payload.to_stage,
        actor=actor(request),
        reason=payload.reason,
        expected_version=if_match(request),
        occurred_on=payload.occurred_on,
        reference=payload.reference,
        confirmed=payload.confirmed,
    )
    case = case_for(request, case_id)
    response["ETag"] = etag(case.version)
    return case

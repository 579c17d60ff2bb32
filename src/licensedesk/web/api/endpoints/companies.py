"""Client companies and their profiles (the profile contract, exactly)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Body, Query, Router, Status

from licensedesk.web.api import pagination
from licensedesk.web.api.auth import needs
from licensedesk.web.api.endpoints.common import IF_MATCH_PARAM, actor, etag, if_match
from licensedesk.web.api.schemas import PROFILE_REF, CompanyOut, CompanyPage
from licensedesk.web.cases import services
from licensedesk.web.cases.selectors import company_get_visible_to, company_list_visible_to

router = Router(tags=["companies"])

PROFILE_BODY = {"requestBody": {"content": {"application/json": {"schema": PROFILE_REF}}, "required": True}}
PROFILE_RESPONSE = {
    "responses": {
        "200": {"description": "The profile", "content": {"application/json": {"schema": PROFILE_REF}}}
    }
}


@router.get("/companies", response=CompanyPage, **needs("companies", "read"))
def list_companies(
    request: HttpRequest,
    q: str = "",
    province: str = "",
    cursor: str | None = None,
    limit: int = Query(pagination.DEFAULT_LIMIT, ge=1, le=pagination.MAX_LIMIT),
) -> dict[str, Any]:
    """Companies by name; ``q`` matches a name fragment or a USCC prefix."""
    rows = company_list_visible_to(user=actor(request), search=q, province=province)
    items, next_cursor = pagination.page(
        rows,
        cursor=cursor,
        limit=limit,
        after=lambda v: Q(name__gt=v[0]) | Q(name=v[0], pk__gt=v[1]),
        key=lambda c: [c.name, c.pk],
        size=2,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/companies",
    response={201: CompanyOut},
    **needs("companies", "write", **PROFILE_BODY),
)
def create_company(request: HttpRequest, profile: dict[str, Any] = Body(...)) -> Status:
    """A new client company from a profile in the contract format."""
    user = actor(request)
    return Status(201, services.company_create(agency=user.agency, profile=profile, actor=user))


@router.get("/companies/{int:company_id}", response=CompanyOut, **needs("companies", "read"))
def get_company(request: HttpRequest, company_id: int, response: HttpResponse) -> Any:
    company = company_get_visible_to(user=actor(request), company_id=company_id)
    response["ETag"] = etag(company.version)
    return company


@router.get(
    "/companies/{int:company_id}/profile",
    **needs("companies", "read", **PROFILE_RESPONSE),
)
def get_profile(request: HttpRequest, company_id: int, response: HttpResponse) -> Any:
    """The company's profile, as ``company-profile.schema.json`` describes it."""
    company = company_get_visible_to(user=actor(request), company_id=company_id)
    response["ETag"] = etag(company.version)
    return company.profile


@router.put(
    "/companies/{int:company_id}/profile",
    response=CompanyOut,
    **needs("companies", "write", **PROFILE_BODY, **IF_MATCH_PARAM),
)
def replace_profile(
    request: HttpRequest, company_id: int, response: HttpResponse, profile: dict[str, Any] = Body(...)
) -> Any:
    """Replace the profile; ``If-Match`` is the company version read (a stale one: 409 company.changed)."""
    company = company_get_visible_to(user=actor(request), company_id=company_id)
    expected = if_match(request)
    company = services.company_profile_update(
        company=company, profile=profile, actor=actor(request), expected_version=expected
    )
    response["ETag"] = etag(company.version)
    return company

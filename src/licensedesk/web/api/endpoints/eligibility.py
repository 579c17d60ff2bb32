"""``POST /eligibility/{license}``: a profile in, the check result out; nothing is stored."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Body, Query, Router

from licensedesk.web.api.auth import needs
from licensedesk.web.api.eligibility import eligibility_check
from licensedesk.web.api.schemas import CHECK_RESULT_REF, PROFILE_REF

router = Router(tags=["eligibility"])


@router.post(
    "/eligibility/{license_id}",
    **needs(
        "eligibility",
        "read",
        requestBody={"required": True, "content": {"application/json": {"schema": PROFILE_REF}}},
        responses={
            "200": {
                "description": "The check result",
                "content": {"application/json": {"schema": CHECK_RESULT_REF}},
            }
        },
    ),
)
def check_eligibility(
    request: HttpRequest,
    license_id: str,
    profile: dict[str, Any] = Body(...),
    as_of: date | None = Query(None, description="Judge on this day (default today in China)."),
) -> dict[str, Any]:
    """Check a company profile (the profile contract) against a license, as of a day, without storing
    anything: for an agency's website quiz. The answer is the check-result contract."""
    return eligibility_check(license_id=license_id, profile=profile, as_of=as_of)

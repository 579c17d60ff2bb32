"""What every operation module shares: the caller, the case by id, and If-Match."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from licensedesk.web.api import errors
from licensedesk.web.cases.models import Case
from licensedesk.web.cases.selectors import case_get_visible_to


def actor(request: HttpRequest) -> Any:
    """The token's admin (set by :class:`licensedesk.web.api.auth.TokenAuth`)."""
    return request.user


def case_for(request: HttpRequest, case_id: int) -> Case:
    return case_get_visible_to(user=actor(request), case_id=case_id)


def if_match(request: HttpRequest) -> int:
    """The version in ``If-Match`` (``"3"``, ``W/"3"`` or ``3``); required on writes that lock."""
    value = request.headers.get("If-Match", "").strip()
    if not value:
        raise errors.if_match_required()
    text = value.removeprefix("W/").strip('"')
    if not text.isdigit():
        raise errors.if_match_invalid(value)
    return int(text)


def etag(version: int) -> str:
    return f'"{version}"'


IF_MATCH_PARAM = {
    "parameters": [
        {
            "in": "header",
            "name": "If-Match",
            "required": True,
            "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]+"?$'},
            "description": 'The version read (the ETag), e.g. "3"; a stale one answers 409.',
        }
    ]
}

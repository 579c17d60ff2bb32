"""Bearer-token authentication with a scope per operation, and the per-token rate limit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle

from licensedesk.web.api import errors
from licensedesk.web.api.inputs import refuse_nul
from licensedesk.web.api.models import ApiToken
from licensedesk.web.api.scopes import ALL_SCOPES, scope
from licensedesk.web.api.selectors import api_token_for_secret
from licensedesk.web.api.services import api_token_touch
from licensedesk.web.audit.context import audit_context_set


class TokenAuth(HttpBearer):
    """``Authorization: Bearer ldk_…``. The call then runs as the token's admin (``request.user``),
    through the same selectors and services as the web, if the token holds ``needed``."""

    def __init__(self, needed: str) -> None:
        if needed not in ALL_SCOPES:  # a typo in a route would otherwise lock everyone out silently
            raise ValueError(f"unknown scope {needed!r}")
        self.needed = needed
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = api_token_for_secret(token.strip())
        if self.needed not in api_token.scopes:
            raise errors.scope_missing(self.needed)
        refuse_nul(request)
        api_token_touch(token=api_token)
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        audit_context_set(api_token={"id": api_token.pk, "prefix": api_token.prefix, "name": api_token.name})
        return api_token


def needs(resource: str, access: str, **openapi: Any) -> dict[str, Any]:
    """The route arguments of an operation needing ``<resource>:<access>``: its authentication, and
    the scope in the document (``x-scope``, and the description) beside any other ``openapi`` extras
    (a request body or responses the signature cannot describe)."""
    needed = scope(resource, access)
    return {"auth": TokenAuth(needed), "openapi_extra": {"x-scope": needed, **openapi}}


class TokenRateThrottle(AuthRateThrottle):
    """``settings.API_RATE_LIMIT`` calls per token (read on each call, so a deployment or a test can
    change it), counted in Django's cache."""

    scope = "api-token"

    def __init__(self) -> None:
        super().__init__(settings.API_RATE_LIMIT)

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = settings.API_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str:
        token = getattr(request, "auth", None)
        ident = f"token-{token.pk}" if isinstance(token, ApiToken) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

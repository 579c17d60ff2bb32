"""API tokens: create (the secret returned once), revoke, and note their use."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from licensedesk.core.errors import InvalidInput
from licensedesk.web.accounts.roles import ensure_admin
from licensedesk.web.api import errors
from licensedesk.web.api.models import ApiToken
from licensedesk.web.api.scopes import ALL_SCOPES
from licensedesk.web.audit.services import audit_record

TOKEN_PREFIX = "ldk_"
#: Last-used times are written at most this often per token: not one UPDATE per API call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole token, shown to its admin once and never again


def _clean(name: str, scopes: list[str], days: int) -> tuple[str, list[str]]:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput(
            "A token needs a name of 1 to 100 characters (what it is for, e.g. “CRM”).",
            code=errors.TOKEN_NAME_INVALID,
            message_zh="令牌名称须为 1 至 100 个字（写明用途，例如“CRM”）。",
            details={"field": "name"},
        )
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown or not scopes:
        raise InvalidInput(
            "Choose at least one known scope." + (f" Unknown: {', '.join(unknown)}." if unknown else ""),
            code=errors.TOKEN_SCOPES_INVALID,
            message_zh="请至少选择一项有效的权限范围。",
            details={"field": "scopes", "unknown": unknown},
        )
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise InvalidInput(
            f"A token lives 1 to {settings.API_TOKEN_MAX_DAYS} days.",
            code=errors.TOKEN_EXPIRY_INVALID,
            message_zh=f"令牌有效期须为 1 至 {settings.API_TOKEN_MAX_DAYS} 天。",
            details={"field": "days"},
        )
    return name, [s for s in ALL_SCOPES if s in set(scopes)]


def api_token_create(*, actor: Any, name: str, scopes: list[str], days: int) -> IssuedToken:
    """A new token of the actor's agency, acting as the actor (an agency admin). The returned secret
    is the only copy: the database keeps its hash."""
    ensure_admin(actor, actor.agency_id if actor else None, action="create API tokens")
    name, scopes = _clean(name, scopes, days)
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires_at = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        token = ApiToken.objects.create(
            agency_id=actor.agency_id,
            user=actor,
            name=name,
            prefix=prefix,
            token_hash=token_hash(secret),
            scopes=scopes,
            expires_at=expires_at,
        )
        audit_record(
            agency=actor.agency_id,
            actor=actor,
            action="api_token.created",
            target=token,
            after={"name": name, "prefix": prefix, "scopes": scopes, "expires_at": expires_at},
        )
    return IssuedToken(token, secret)


def api_token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    """Revoke at once; revoking a revoked token changes nothing."""
    ensure_admin(actor, token.agency_id, action="revoke API tokens")
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        now = timezone.now()
        if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor
        ):
            token.refresh_from_db()
            return token
        token.revoked_at, token.revoked_by = now, actor
        audit_record(
            agency=token.agency_id,
            actor=actor,
            action="api_token.revoked",
            target=token,
            before={"revoked_at": None},
            after={"revoked_at": now},
            data={"name": token.name, "prefix": token.prefix},
        )
    return token


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used (not audited: reads would flood the chain; writes are audited by
    the services they call)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now

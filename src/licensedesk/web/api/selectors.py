"""Reads of API tokens, the token behind a bearer secret, and the API's few reads that the web's
selectors do not already offer (a generation job by id) — built on the same tenancy selectors."""

from __future__ import annotations

import hmac
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from licensedesk.core.errors import NotFound
from licensedesk.web.accounts.models import Role
from licensedesk.web.api import errors
from licensedesk.web.api.models import ApiToken
from licensedesk.web.api.services import TOKEN_PREFIX, token_hash
from licensedesk.web.cases.selectors import cases_visible_to
from licensedesk.web.documents.models import GenerationJob


def api_tokens_visible_to(*, user: Any) -> QuerySet[ApiToken]:
    """An agency admin's list of the agency's tokens; nobody else sees any."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_agency_admin:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(agency_id=user.agency_id).select_related("user", "revoked_by")


def api_token_get_visible_to(*, user: Any, token_id: int) -> ApiToken:
    token = api_tokens_visible_to(user=user).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such API token.", code="api.token_not_found", message_zh="未找到该 API 令牌。")
    return token


def _refused(code: str, message: str, message_zh: str) -> errors.Unauthenticated:
    return errors.Unauthenticated(message, code=code, message_zh=message_zh)


def api_token_for_secret(secret: str) -> ApiToken:
    """The live token whose secret this is, or :class:`errors.Unauthenticated` saying why not."""
    prefix = secret.removeprefix(TOKEN_PREFIX).partition("_")[0] if secret.startswith(TOKEN_PREFIX) else ""
    token = (
        ApiToken.objects.select_related("user", "agency").filter(prefix=prefix).first() if prefix else None
    )
    if token is None or not hmac.compare_digest(token.token_hash, token_hash(secret)):
        raise _refused(errors.TOKEN_INVALID, "The API token is not valid.", "API 令牌无效。")
    if token.revoked_at is not None:
        raise _refused(errors.TOKEN_REVOKED, "The API token was revoked.", "API 令牌已被撤销。")
    if token.expires_at <= timezone.now():
        raise _refused(errors.TOKEN_EXPIRED, "The API token has expired.", "API 令牌已过期。")
    user = token.user
    if not user.is_active or user.role != Role.AGENCY_ADMIN or user.agency_id != token.agency_id:
        raise _refused(
            errors.TOKEN_OWNER_INACTIVE,
            "The admin who created this token can no longer act for the agency; create a new token.",
            "创建此令牌的管理员已无法代表本机构操作，请重新创建令牌。",
        )
    return token


def generation_job_get_visible_to(*, user: Any, job_id: int) -> GenerationJob:
    """A document generation job of a case ``user`` may see (staff only, like the documents panel)."""
    job = (
        GenerationJob.objects.filter(case__in=cases_visible_to(user=user))
        .select_related("case")
        .filter(pk=job_id)
        .first()
    )
    if job is None or getattr(user, "role", None) == Role.CLIENT_USER:
        raise NotFound(
            "No such generation job.", code="documents.job_not_found", message_zh="未找到该生成任务。"
        )
    return job

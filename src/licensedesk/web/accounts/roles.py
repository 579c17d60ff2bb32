"""Who may do what: role checks shared by every service. Pure functions of the actor and ids.

Reads are scoped by the selectors (``licensedesk.web.cases.selectors.case_list_visible_to`` …); writes
call these checks first. Both refuse anything across agencies.
"""

from __future__ import annotations

from typing import Any

from licensedesk.core.errors import PermissionDenied
from licensedesk.web.accounts.models import Role


def _denied(code: str, message: str, message_zh: str, **details: Any) -> PermissionDenied:
    return PermissionDenied(message, code=code, message_zh=message_zh, details=details)


def ensure_active(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise _denied("permission.not_signed_in", "Sign in first.", "请先登录。")


def ensure_same_agency(actor: Any, agency_id: int | None) -> None:
    ensure_active(actor)
    if actor.agency_id is None or actor.agency_id != agency_id:
        raise _denied(
            "permission.other_tenant", "This belongs to another agency.", "无权访问其他机构的数据。"
        )


def ensure_role(actor: Any, agency_id: int | None, roles: set[str] | frozenset[str], *, action: str) -> None:
    """The actor belongs to the agency and holds one of ``roles``."""
    ensure_same_agency(actor, agency_id)
    if actor.role not in roles:
        allowed = ", ".join(sorted(roles))
        raise _denied(
            "permission.wrong_role",
            f"Your role ({actor.role}) may not {action}; allowed: {allowed}.",
            f"您的角色（{Role(actor.role).label}）无权执行此操作：{action}。",
            role=actor.role,
            allowed=sorted(roles),
            action=action,
        )


def ensure_staff(actor: Any, agency_id: int | None, *, action: str) -> None:
    ensure_role(actor, agency_id, {Role.AGENCY_ADMIN, Role.CONSULTANT}, action=action)


def ensure_admin(actor: Any, agency_id: int | None, *, action: str) -> None:
    ensure_role(actor, agency_id, {Role.AGENCY_ADMIN}, action=action)


def ensure_company_member_or_staff(actor: Any, *, agency_id: int, company_id: int, action: str) -> None:
    """Staff of the company's agency, or a client user of that very company."""
    ensure_same_agency(actor, agency_id)
    if actor.role == Role.CLIENT_USER and actor.company_id != company_id:
        raise _denied(
            "permission.other_tenant", "This belongs to another client.", "无权访问其他客户的数据。"
        )

"""Reads of users, scoped to the reader's agency."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from licensedesk.web.accounts.models import STAFF_ROLES, Agency, Role, User


def users_visible_to(*, user: Any) -> QuerySet[User]:
    """Admins see their agency's users; consultants its staff; client users their company's users."""
    if user is None or not user.is_authenticated or not user.is_active or user.agency_id is None:
        return User.objects.none()
    users = User.objects.filter(agency_id=user.agency_id)
    if user.role == Role.CONSULTANT:
        users = users.filter(role__in=STAFF_ROLES)
    elif user.role == Role.CLIENT_USER:
        users = users.filter(company_id=user.company_id)
    elif user.role != Role.AGENCY_ADMIN:
        return User.objects.none()
    return users.order_by("username")


def consultants_of(*, agency_id: int) -> QuerySet[User]:
    """Staff who can be assigned to a case (consultants and admins), active ones only."""
    return User.objects.filter(agency_id=agency_id, role__in=STAFF_ROLES, is_active=True).order_by(
        "display_name", "username"
    )


def agency_settings_for(*, user: Any) -> Agency | None:
    """The agency whose settings ``user`` may edit: their own, if they are one of its admins."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.role != Role.AGENCY_ADMIN or user.agency_id is None:
        return None
    return Agency.objects.get(pk=user.agency_id)

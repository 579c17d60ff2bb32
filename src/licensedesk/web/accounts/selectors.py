"""Reads of users, scoped to the reader's agency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.web.accounts.models import STAFF_ROLES, Agency, Role, StageTarget, User


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


# -- the agency's own targets per stage ---------------------------------------------------------------


@dataclass(frozen=True)
class TargetStage:
    """A stage the agency may set itself a target for: a non-terminal stage of a license's newest rule
    version where the agency or the client acts (the authority's stages run on statutory clocks)."""

    license_id: str
    license_zh: str
    license_en: str
    stage: str
    title_zh: str
    title_en: str


def target_stages() -> list[TargetStage]:
    """Every stage a target may be set for, license by license in catalog order, in workflow order."""
    out = []
    for lic in default_catalog().licenses():
        version = max(lic.versions, key=lambda v: v.effective_from)
        for stage in version.workflow.stages:
            if stage.terminal or stage.actor == "authority":
                continue
            out.append(
                TargetStage(
                    lic.id, lic.short_names.zh, lic.short_names.en, stage.id, stage.title.zh, stage.title.en
                )
            )
    return out


def stage_targets_of(*, agency_id: int) -> dict[tuple[str, str], StageTarget]:
    """The agency's targets keyed by (license id, stage): one query."""
    return {(t.license_id, t.stage): t for t in StageTarget.objects.filter(agency_id=agency_id)}


def stage_target_for(*, agency_id: int, license_id: str, stage: str) -> StageTarget | None:
    return StageTarget.objects.filter(agency_id=agency_id, license_id=license_id, stage=stage).first()

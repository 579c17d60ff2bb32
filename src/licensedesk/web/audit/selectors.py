"""Reads of the audit trail, scoped by role: admins see their agency's trail, consultants the events of
their agency's cases, client users nothing."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from licensedesk.web.accounts.models import Role
from licensedesk.web.audit.models import AuditEvent


def audit_events_visible_to(*, user: Any, case: Any | None = None) -> QuerySet[AuditEvent]:
    """Newest first; ``case`` narrows to one case's events."""
    events = AuditEvent.objects.none()
    if user is not None and user.is_authenticated and user.is_active and user.agency_id is not None:
        if user.role == Role.AGENCY_ADMIN:
            events = AuditEvent.objects.filter(agency_id=user.agency_id)
        elif user.role == Role.CONSULTANT:
            events = AuditEvent.objects.filter(agency_id=user.agency_id, case__isnull=False)
    if case is not None:
        events = events.filter(case_id=case.pk)
    return events.select_related("actor").order_by("-seq")

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from licensedesk.web.admin_scoping import AgencyScopedReadOnlyAdmin, Scope
from licensedesk.web.audit.actions import action_label
from licensedesk.web.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(AgencyScopedReadOnlyAdmin):
    """The agency's audit trail, read-only; actions are named in words (the code stays searchable)."""

    agency_path = "agency"
    list_display = ("seq", "occurred_at", "action_name", "actor_label", "case", "object_type", "object_id")
    list_filter = ("action",)
    value_labels: ClassVar = {"action": action_label}
    scoped_relations: ClassVar[dict[str, str | Scope]] = {"case": "agency", "actor": "agency"}
    search_fields = ("action", "actor_label", "object_id")
    ordering = ("-seq",)
    list_select_related = ("case", "case__company")
    fields = (
        "seq",
        "occurred_at",
        "actor",
        "actor_label",
        "action_name",
        "case",
        "object_type",
        "object_id",
        "before",
        "after",
        "data",
        "prev_hash",
        "hash",
    )
    readonly_fields = ("action_name",)

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, event: AuditEvent) -> str:
        return action_label(event.action)

from __future__ import annotations

from django.contrib import admin

from licensedesk.web.admin_scoping import AgencyScopedReadOnlyAdmin
from licensedesk.web.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(AgencyScopedReadOnlyAdmin):
    agency_path = "agency"
    list_display = ("seq", "occurred_at", "action", "actor_label", "case", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("action", "actor_label", "object_id")
    ordering = ("-seq",)
    list_select_related = ("case",)

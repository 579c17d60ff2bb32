"""The Django admin for agency admins, scoped to their agency.

Agency admins (``role=agency_admin``, ``is_staff`` set by the role) use the admin; every model admin
here filters its queryset to the admin's agency (``agency_path`` names the field path to the agency),
limits foreign-key choices the same way, and answers 404 for an object of another agency. Roles, not
Django model permissions, decide access. Platform superusers see everything.

Writes that matter go through services (so they are checked and audited): most model admins here
are read-only; the user and company admins call the services from ``save_model``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from licensedesk.web.accounts.models import Role


def is_agency_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and getattr(user, "role", None) == Role.AGENCY_ADMIN
        and getattr(user, "agency_id", None) is not None
    )


class AgencyScopedAdmin(admin.ModelAdmin):
    agency_path = "agency"
    #: foreign keys whose choices are scoped: field name → path from the related model to its agency
    scoped_foreign_keys: ClassVar[dict[str, str]] = {}

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_active and (request.user.is_superuser or is_agency_admin(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # nothing is deleted: the audit trail refers to it

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if not is_agency_admin(request):
            return queryset.none()
        return queryset.filter(**{self.agency_path: request.user.agency_id})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        path = self.scoped_foreign_keys.get(db_field.name)
        if path is not None and not request.user.is_superuser:
            kwargs["queryset"] = db_field.related_model._default_manager.filter(
                **{path: getattr(request.user, "agency_id", None)}
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _in_scope(self, request: HttpRequest, object_id: str | None) -> None:
        if object_id is None:
            return
        try:
            pk = self.model._meta.pk.to_python(object_id)
        except Exception:
            raise Http404 from None
        if not self.get_queryset(request).filter(pk=pk).exists():
            raise Http404("no such object")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if self._allowed(request):
            self._in_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        if self._allowed(request):
            self._in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        if self._allowed(request):
            self._in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request: HttpRequest, action_location: Any = None) -> dict[str, Any]:
        if action_location is None:
            actions = super().get_actions(request)
        else:
            actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions


class AgencyScopedReadOnlyAdmin(AgencyScopedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

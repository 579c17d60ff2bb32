"""The Django admin for agency admins, scoped to their agency.

Agency admins (``role=agency_admin``, ``is_staff`` set by the role) use the admin; every model admin
here filters its queryset to the admin's agency (``agency_path`` names the field path to the agency)
and answers 404 for an object of another agency. Roles, not Django model permissions, decide access.
Platform superusers see everything.

Everything the admin lists *about other models* is scoped here too, in one place, because Django's
defaults read the whole table: a related-field list filter offers every row of the related model, a
values filter on a path across a relation reads every row of the parent model, a foreign-key select or
the autocomplete endpoint offers every row the related model's admin would. Each model admin declares,
in ``scoped_relations``, the path from every related model it shows to the agency (and any narrowing,
such as "staff only" for a consultant); the constructor — run when the admin is registered — refuses a
related field in ``list_filter``, ``autocomplete_fields``, ``raw_id_fields`` or the form that is not
declared, so a new admin cannot forget one. Undeclared relations reached otherwise get no choices.

Writes that matter go through services (so they are checked and audited): most model admins here
are read-only; the user and company admins call the services from ``save_model``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.filters import (
    AllValuesFieldListFilter,
    FieldListFilter,
    ListFilter,
    RelatedFieldListFilter,
    RelatedOnlyFieldListFilter,
    SimpleListFilter,
)
from django.contrib.admin.utils import NotRelationField, flatten_fieldsets, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Field, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext

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


@dataclass(frozen=True)
class Scope:
    """How to reach the agency from a related model: ``path`` to the agency id (``"agency"``,
    ``"case__agency"``, ``"pk"`` for the agency itself) and ``filters`` narrowing the rows further
    (``{"role__in": STAFF_ROLES}``: a consultant is never a client)."""

    path: str
    filters: Mapping[str, Any] = field(default_factory=dict)


def _as_scope(value: str | Scope) -> Scope:
    return value if isinstance(value, Scope) else Scope(value)


def _default_filter_class(db_field: Field) -> type[ListFilter]:
    """The list filter class Django would pick for ``db_field`` (its registry, first match)."""
    for test, filter_class in FieldListFilter._field_list_filters:
        if test(db_field):
            return filter_class
    return AllValuesFieldListFilter


#: Filters whose choices never come from the database (choices, booleans, dates, empty/not empty).
def _is_static_filter(filter_class: type[ListFilter]) -> bool:
    return not issubclass(filter_class, (RelatedFieldListFilter, AllValuesFieldListFilter))


class ScopedRelatedFieldListFilter(RelatedFieldListFilter):
    """A related-field filter offering only the rows the model admin's ``scoped_relations`` allow."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        queryset = model_admin.related_queryset(request, self.field_path)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        target = field.target_field.attname
        return [(getattr(obj, target), str(obj)) for obj in queryset]


class ScopedRelatedOnlyFieldListFilter(ScopedRelatedFieldListFilter):
    """The scoped rows that the admin's own (scoped) rows refer to."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        used = set(
            model_admin.get_queryset(request)
            .distinct()
            .values_list(f"{self.field_path}__{field.target_field.name}", flat=True)
        )
        return [c for c in super().field_choices(field, request, model_admin) if c[0] in used]


class ScopedAllValuesFieldListFilter(AllValuesFieldListFilter):
    """The distinct values of a field among the admin's own (scoped) rows — also for a path across a
    relation, where Django would read the parent model's whole table — shown with the model admin's
    ``value_labels`` (a stage's title, an event's name) instead of the raw code."""

    def __init__(
        self, field: Any, request: HttpRequest, params: Any, model: Any, model_admin: Any, field_path: str
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request)
            .order_by()
            .values_list(field_path, flat=True)
            .distinct()
            .order_by(field_path)
        )
        self.value_label: Callable[[Any], str] | None = getattr(model_admin, "value_labels", {}).get(
            field_path
        )

    def choices(self, changelist: Any) -> Iterable[dict[str, Any]]:
        facets = self.get_facet_queryset(changelist) if changelist.add_facets else None
        yield {
            "selected": self.lookup_val is None and self.lookup_val_isnull is None,
            "query_string": changelist.get_query_string(remove=[self.lookup_kwarg, self.lookup_kwarg_isnull]),
            "display": gettext("All"),
        }
        include_none = False
        for i, value in enumerate(self.lookup_choices):
            if value is None:
                include_none = True
                continue
            display = self.value_label(value) if self.value_label else str(value)
            yield {
                "selected": self.lookup_val is not None and str(value) in self.lookup_val,
                "query_string": changelist.get_query_string(
                    {self.lookup_kwarg: str(value)}, [self.lookup_kwarg_isnull]
                ),
                "display": f"{display} ({facets[f'{i}__c']})" if facets else display,
            }
        if include_none:
            yield {
                "selected": bool(self.lookup_val_isnull),
                "query_string": changelist.get_query_string(
                    {self.lookup_kwarg_isnull: "True"}, [self.lookup_kwarg]
                ),
                "display": self.empty_value_display,
            }


class ScopedSimpleListFilter(SimpleListFilter):
    """Base of hand-written list filters: ``lookups`` must build its choices from
    ``model_admin.get_queryset(request)`` or ``model_admin.related_queryset(request, path)``."""


class AgencyScopedAdmin(admin.ModelAdmin):
    agency_path = "agency"
    #: related fields shown (filters, selects, autocomplete, raw id): field path → path from the related
    #: model to its agency, or a :class:`Scope` with extra narrowing
    scoped_relations: ClassVar[Mapping[str, str | Scope]] = {}
    #: field path → label of a stored code, for values filters (stage ids, audit action codes)
    value_labels: ClassVar[Mapping[str, Callable[[Any], str]]] = {}
    #: read-only admins have no form: their relations are only displayed, never offered as choices
    read_only: ClassVar[bool] = False

    def __init__(self, model: type[Model], admin_site: Any) -> None:
        super().__init__(model, admin_site)
        unscoped = sorted(set(self._related_paths_shown()) - set(self.scoped_relations))
        if unscoped:
            raise ImproperlyConfigured(
                f"{type(self).__qualname__} shows related fields {', '.join(unscoped)} without a scope: "
                "declare each in scoped_relations (the path from the related model to its agency)."
            )

    # -- what is shown -------------------------------------------------------------------------------

    def _relation_path(self, path: str) -> bool:
        try:
            fields = get_fields_from_path(self.model, path)
        except (FieldDoesNotExist, NotRelationField):
            return False
        return bool(fields) and fields[-1].is_relation

    def _related_paths_shown(self) -> list[str]:
        """Every related field path this admin offers choices for: its list filters, autocomplete and
        raw id fields, and the relations of its forms (unless it is read-only)."""
        paths: list[str] = []
        for item in self.list_filter:
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                if not issubclass(item, ScopedSimpleListFilter):
                    raise ImproperlyConfigured(
                        f"{type(self).__qualname__}: list filter {item.__qualname__} must subclass "
                        "ScopedSimpleListFilter (its lookups must read the scoped queryset)."
                    )
                continue
            path, filter_class = (item[0], item[1]) if isinstance(item, (list, tuple)) else (item, None)
            if self._relation_path(path):
                paths.append(path)
            elif (
                filter_class is not None
                and not _is_static_filter(filter_class)
                and not issubclass(filter_class, ScopedAllValuesFieldListFilter)
            ):
                raise ImproperlyConfigured(
                    f"{type(self).__qualname__}: list filter {path} reads the database unscoped; "
                    "use ScopedAllValuesFieldListFilter."
                )
        paths += [*self.autocomplete_fields, *self.raw_id_fields]
        if not self.read_only:
            paths += [
                name
                for name in self._form_field_names()
                if name not in self.readonly_fields and self._relation_path(name)
            ]
        return paths

    def _form_field_names(self) -> list[str]:
        names: list[str] = []
        for attr in ("fieldsets", "add_fieldsets"):
            if getattr(self, attr, None):
                names += flatten_fieldsets(getattr(self, attr))
        if self.fields:
            names += list(self.fields)
        if not names:
            declared = getattr(getattr(self.form, "_meta", None), "fields", None)
            if declared and declared != "__all__":
                names = list(declared)
            else:
                names = [f.name for f in self.model._meta.get_fields() if getattr(f, "editable", False)]
        return names

    # -- scoped querysets ----------------------------------------------------------------------------

    def related_queryset(self, request: HttpRequest, path: str) -> QuerySet:
        """The rows of the model at the end of relation ``path`` this request may see: those of the
        admin's agency that the declared scope allows; none if the path is not declared."""
        related_model = get_fields_from_path(self.model, path)[-1].related_model
        queryset = related_model._default_manager.all()
        if request.user.is_superuser:
            return queryset
        declared = self.scoped_relations.get(path)
        if declared is None or not is_agency_admin(request):
            return queryset.none()
        scope = _as_scope(declared)
        return queryset.filter(**{scope.path: request.user.agency_id}, **scope.filters)

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

    def get_list_filter(self, request: HttpRequest) -> Any:
        """Each filter with choices from the database, read through the scope: related fields offer
        the scoped related rows, values filters the values of the admin's own rows."""
        scoped: list[Any] = []
        for item in super().get_list_filter(request):
            if isinstance(item, type):
                scoped.append(item)
                continue
            path, filter_class = (item[0], item[1]) if isinstance(item, (list, tuple)) else (item, None)
            if filter_class is None:
                filter_class = _default_filter_class(get_fields_from_path(self.model, path)[-1])
            if issubclass(filter_class, RelatedOnlyFieldListFilter):
                filter_class = ScopedRelatedOnlyFieldListFilter
            elif issubclass(filter_class, RelatedFieldListFilter):
                if not issubclass(filter_class, ScopedRelatedFieldListFilter):
                    filter_class = ScopedRelatedFieldListFilter
            elif issubclass(filter_class, AllValuesFieldListFilter):
                filter_class = ScopedAllValuesFieldListFilter
            scoped.append((path, filter_class))
        return scoped

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs["queryset"] = self.related_queryset(request, db_field.name)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs["queryset"] = self.related_queryset(request, db_field.name)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> Any:
        """Search the scoped queryset; for the autocomplete endpoint (which asks the *related* model's
        admin), keep only the rows the asking field's own admin allows for that field — a consultant
        field never offers clients, an undeclared field offers nothing."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete" and not request.user.is_superuser:
            queryset = queryset.filter(pk__in=self._autocomplete_scope(request).values("pk"))
        return queryset, may_have_duplicates

    def _autocomplete_scope(self, request: HttpRequest) -> QuerySet:
        from django.apps import apps

        none = self.model._default_manager.none()
        try:
            source_model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        except (KeyError, LookupError, ValueError):
            return none
        source_admin = self.admin_site._registry.get(source_model)
        field_name = request.GET.get("field_name", "")
        if not isinstance(source_admin, AgencyScopedAdmin) or field_name not in source_admin.scoped_relations:
            return none
        if not source_admin.has_view_permission(request):
            return none
        return source_admin.related_queryset(request, field_name)

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
    read_only = True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

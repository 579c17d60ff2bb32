"""The agency settings page (agency admins only; anyone else gets 403)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensedesk.core.errors import ApplicationError
from licensedesk.web.accounts.forms import AgencySettingsForm, AgencyTargetsForm
from licensedesk.web.accounts.models import Agency
from licensedesk.web.accounts.selectors import agency_settings_for, stage_targets_of, target_stages
from licensedesk.web.accounts.services import (
    AGENCY_SETTINGS_FIELDS,
    agency_settings_update,
    agency_targets_update,
)
from licensedesk.web.cases.display import current_lang, error_text


@login_required
@require_http_methods(["GET", "POST"])
def agency_settings(request: HttpRequest) -> HttpResponse:
    agency = agency_settings_for(user=request.user)
    if agency is None:
        raise DjangoPermissionDenied(_("Only the agency's administrators can change its settings."))
    initial = {name: getattr(agency, name) for name in AGENCY_SETTINGS_FIELDS} | {"version": agency.version}
    status = 200
    if request.method == "POST":
        form = AgencySettingsForm(request.POST)
        if form.is_valid():
            values = dict(form.cleaned_data)
            version = values.pop("version")
            try:
                agency_settings_update(agency=agency, actor=request.user, expected_version=version, **values)
            except ApplicationError as exc:
                field = exc.details.get("field")
                form.add_error(field if field in form.fields else None, error_text(exc))
                status = exc.http_status
            else:
                messages.success(request, _("Agency settings saved."))
                return redirect("accounts:agency_settings")
        else:
            status = 400
    else:
        form = AgencySettingsForm(initial=initial)
    return _settings_page(request, agency, form=form, status=status)


def _targets_form(agency: Agency, data: Any = None) -> AgencyTargetsForm:
    existing = stage_targets_of(agency_id=agency.pk)
    initial: dict[str, Any] = {"due_soon_days": agency.due_soon_days}
    for (license_id, stage), target in existing.items():
        initial[f"target__{license_id}__{stage}"] = target.amount
        initial[f"unit__{license_id}__{stage}"] = target.unit
    return AgencyTargetsForm(data, initial=initial, stages=target_stages(), auto_id="targets-%s")


def _settings_page(
    request: HttpRequest,
    agency: Agency,
    *,
    form: AgencySettingsForm | None = None,
    targets_form: AgencyTargetsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        initial = {name: getattr(agency, name) for name in AGENCY_SETTINGS_FIELDS} | {
            "version": agency.version
        }
        form = AgencySettingsForm(initial=initial)
    context = {"form": form, "agency": agency, "targets_form": targets_form or _targets_form(agency)}
    return render(request, "accounts/agency_settings.html", context, status=status)


@login_required
@require_POST
def agency_targets(request: HttpRequest) -> HttpResponse:
    """The agency's own targets per stage (a form of its own on the settings page)."""
    agency = agency_settings_for(user=request.user)
    if agency is None:
        raise DjangoPermissionDenied(_("Only the agency's administrators can change its settings."))
    form = _targets_form(agency, request.POST)
    if not form.is_valid():
        return _settings_page(request, agency, targets_form=form, status=400)
    try:
        agency_targets_update(
            agency=agency,
            actor=request.user,
            due_soon_days=form.cleaned_data["due_soon_days"],
            targets=form.targets(),
        )
    except ApplicationError as exc:
        fields = exc.details.get("fields") if current_lang() == "zh" else exc.details.get("fields_en")
        for name, message in (fields or {}).items():
            form.add_error(name if name in form.fields else None, message)
        if not fields:
            form.add_error(None, error_text(exc))
        return _settings_page(request, agency, targets_form=form, status=exc.http_status)
    messages.success(request, _("Agency targets saved."))
    return redirect("accounts:agency_settings")

"""The agency settings page (agency admins only; anyone else gets 403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from licensedesk.core.errors import ApplicationError
from licensedesk.web.accounts.forms import AgencySettingsForm
from licensedesk.web.accounts.selectors import agency_settings_for
from licensedesk.web.accounts.services import AGENCY_SETTINGS_FIELDS, agency_settings_update
from licensedesk.web.cases.display import error_text


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
    return render(request, "accounts/agency_settings.html", {"form": form, "agency": agency}, status=status)

"""The reports page: agency admins see the agency's figures (one consultant's if they choose), a
consultant their own cases'. Client users get 403, as on every staff page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from licensedesk.web.accounts.models import Role
from licensedesk.web.accounts.selectors import consultants_of
from licensedesk.web.cases.views import staff_required
from licensedesk.web.reports.display import report_panels
from licensedesk.web.reports.forms import ReportFilterForm
from licensedesk.web.reports.selectors import reports_for


@staff_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    is_admin = user.role == Role.AGENCY_ADMIN
    consultants = list(consultants_of(agency_id=user.agency_id)) if is_admin else None
    form = ReportFilterForm(request.GET or None, consultants=consultants)
    filters = form.filters()
    reports = reports_for(user=user, filters=filters)
    return render(
        request,
        "reports/reports.html",
        {
            "form": form,
            "filters": filters,
            "reports": reports,
            "panels": report_panels(reports),
            "own_only": not is_admin,
        },
    )

"""Download views: ``/exports/<list>.<csv|xlsx>`` with the list page's own filters in the query string,
answered with a StreamingHttpResponse (the rows are read and written while the file goes out)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from licensedesk.web.accounts.selectors import consultants_of
from licensedesk.web.cases.forms import CaseFilterForm
from licensedesk.web.cases.views import staff_required
from licensedesk.web.exports import selectors
from licensedesk.web.exports.writers import csv_stream, xlsx_stream

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _case_filters(request: HttpRequest) -> dict:
    form = CaseFilterForm(
        request.GET or None, consultants=list(consultants_of(agency_id=request.user.agency_id))
    )
    return form.filters()


def _cases(request: HttpRequest) -> selectors.Export:
    return selectors.case_export(user=request.user, filters=_case_filters(request))


def _companies(request: HttpRequest) -> selectors.Export:
    return selectors.company_export(user=request.user, search=request.GET.get("q", "")[:200])


def _materials(request: HttpRequest) -> selectors.Export:
    return selectors.material_export(user=request.user, filters=_case_filters(request))


def _register(request: HttpRequest) -> selectors.Export:
    from licensedesk.web.register.forms import RegisterFilterForm

    form = RegisterFilterForm(request.GET or None, auto_id="filter-%s")
    data = form.cleaned_data if form.is_valid() else {}
    filters = {
        "status": data.get("status") or "",
        "due_by": data.get("due_by"),
        "search": data.get("q") or "",
    }
    return selectors.register_export(user=request.user, filters=filters)


def _deadlines(request: HttpRequest) -> selectors.Export:
    return selectors.deadline_export(user=request.user)


EXPORTS: dict[str, Callable[[HttpRequest], selectors.Export]] = {
    "cases": _cases,
    "companies": _companies,
    "materials": _materials,
    "register": _register,
    "deadlines": _deadlines,
}


def streamed(export: selectors.Export, fmt: str) -> StreamingHttpResponse:
    if fmt == "csv":
        body = csv_stream(export.columns, export.rows)
    else:
        body = xlsx_stream(export.title, export.columns, export.rows)
    response = StreamingHttpResponse(body, content_type=CONTENT_TYPES[fmt])
    filename = f"{export.name}-{timezone.localdate().isoformat()}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"  # agency data: not kept by a proxy or the browser's cache
    return response


@staff_required
@require_GET
def export(request: HttpRequest, what: str, fmt: str) -> StreamingHttpResponse:
    builder = EXPORTS.get(what)
    if builder is None or fmt not in CONTENT_TYPES:
        raise Http404
    return streamed(builder(request), fmt)

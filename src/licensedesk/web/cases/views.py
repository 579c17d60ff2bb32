"""Minimal views over the selectors (the screens come later): a case list, a case page, a company
page. Each answers bare HTML, or JSON when asked (``Accept: application/json`` or ``?format=json``).
Tenancy is the selectors' job; an id the user may not see is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from licensedesk.core.errors import NotFound
from licensedesk.web.cases import selectors
from licensedesk.web.cases.models import Case


def _json(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _wants_json(request: HttpRequest) -> bool:
    return request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", "")


def _case_row(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "company": {"id": case.company_id, "name": case.company.name, "uscc": case.company.uscc},
        "license": case.license_id,
        "ruleset_version": case.ruleset_version,
        "stage": case.stage,
        "version": case.version,
        "consultant": case.consultant.get_username() if case.consultant else None,
        "target_date": case.target_date.isoformat() if case.target_date else None,
        "stage_due_on": case.stage_due_on.isoformat() if case.stage_due_on else None,
    }


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    cases = selectors.case_list_visible_to(
        user=request.user, stage=request.GET.get("stage", ""), search=request.GET.get("q", "")
    )[:200]
    if _wants_json(request):
        return _json({"cases": [_case_row(c) for c in cases]})
    return render(request, "cases/case_list.html", {"cases": cases})


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        detail = selectors.case_detail(user=request.user, case_id=pk)
    except NotFound:
        raise Http404("no such case") from None
    if _wants_json(request):
        latest = detail.latest_check
        return _json(
            {
                "case": _case_row(detail.case),
                "stage_title": {"zh": detail.stage_title_zh, "en": detail.stage_title_en},
                "latest_check": latest.result if latest else None,
                "check_diff": detail.check_diff.to_dict() if detail.check_diff else None,
                "notes": [{"id": n.pk, "body": n.body, "visibility": n.visibility} for n in detail.notes],
                "tasks": [
                    {"id": t.pk, "title": t.title, "done": t.done_at is not None} for t in detail.tasks
                ],
            }
        )
    return render(request, "cases/case_detail.html", {"detail": detail})


@login_required
@require_GET
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        company = selectors.company_get_visible_to(user=request.user, company_id=pk)
    except NotFound:
        raise Http404("no such company") from None
    cases = selectors.case_list_visible_to(user=request.user, company_id=company.pk)
    if _wants_json(request):
        return _json(
            {
                "company": {"id": company.pk, "profile": company.profile},
                "cases": [_case_row(c) for c in cases],
            }
        )
    return render(request, "cases/company_detail.html", {"company": company, "cases": cases})

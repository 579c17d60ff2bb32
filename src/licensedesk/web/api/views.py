"""The API token page (agency admins only) and the API reference page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from licensedesk.core.errors import ApplicationError, NotFound
from licensedesk.web.api import selectors, services
from licensedesk.web.api.auth import TokenRateThrottle
from licensedesk.web.api.forms import TokenForm
from licensedesk.web.api.scopes import READ, RESOURCES, WRITE, scope
from licensedesk.web.cases.display import error_text


def _admin(request: HttpRequest) -> None:
    if not request.user.is_agency_admin:
        raise DjangoPermissionDenied(_("Only the agency's administrators can manage API tokens."))


def _scope_rows(chosen: set[str]) -> list[dict[str, Any]]:
    rows = []
    for resource in RESOURCES:
        cells = []
        for access in (READ, WRITE):
            value = scope(resource.id, access)
            cells.append(
                {"value": value, "checked": value in chosen, "available": access == READ or resource.writable}
            )
        rows.append({"title": resource.title, "id": resource.id, "cells": cells})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The agency's tokens and the form for a new one. A new token's secret is shown in this response
    only (not stored, not redirected to, not cached)."""
    _admin(request)
    issued = None
    status = 200
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                issued = services.api_token_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    days=form.cleaned_data["days"],
                )
            except ApplicationError as exc:
                field = exc.details.get("field")
                form.add_error(field if field in form.fields else None, error_text(exc))
                status = exc.http_status
            else:
                form = TokenForm()
        else:
            status = 400
    else:
        form = TokenForm()
    rate = TokenRateThrottle().parse_rate(settings.API_RATE_LIMIT)
    chosen = set(form.data.getlist("scopes")) if form.is_bound else set()
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "issued": issued,
            "scope_rows": _scope_rows(chosen),
            "tokens": selectors.api_tokens_visible_to(user=request.user),
            "now": timezone.now(),
            "rate_count": rate[0],
            "rate_seconds": rate[1],
            "reference_url": reverse("api:reference"),
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _admin(request)
    try:
        token = selectors.api_token_get_visible_to(user=request.user, token_id=pk)
    except NotFound:
        raise Http404("no such token") from None
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(
        request,
        _("The token “%(name)s” was revoked; calls with it are refused from now on.") % {"name": token.name},
    )
    return redirect("api:tokens")


@require_GET
def reference(request: HttpRequest) -> HttpResponse:
    """The browsable API reference (Swagger UI from the package's own static files, no CDN), reading
    the OpenAPI document; public like the document itself: it describes the API, not anyone's data."""
    return render(request, "api/reference.html", {"openapi_url": reverse("api-v1:openapi-json")})

"""Project-level pages: where ``/`` leads, and the 404 answer (a problem document under ``/api/``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views import defaults

from licensedesk.web.cases.selectors import is_staff_reader


def home(request: HttpRequest) -> HttpResponse:
    """The sign-in page for a visitor; the board for agency staff; the client portal for a client user
    (a notice while the portal is not installed); the admin for a platform operator."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if is_staff_reader(user):
        return redirect("cases:board")
    if user.is_superuser and user.agency_id is None:
        return redirect("admin:index")
    try:
        return redirect(reverse("portal:home"))
    except NoReverseMatch:
        return render(request, "home_client.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 page, but under ``/api/`` the problem document (RFC 9457) every API error is: an
    address no route matches (``/api/v1/cases/-1``: the id's converter refuses it before the API sees
    the request) must not answer an API client with an HTML page."""
    if request.path.startswith("/api/"):
        from licensedesk.web.api.problems import not_found

        return not_found(request, exception)
    return defaults.page_not_found(request, exception)

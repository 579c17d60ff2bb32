"""Project-level pages: where ``/`` leads."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

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

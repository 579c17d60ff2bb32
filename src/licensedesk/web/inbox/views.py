"""The inbox pages: the list, opening an item (marks it read, then goes to its subject) and the email
option. For agency staff only: a client user gets 403 (they have no inbox)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensedesk.core.errors import NotFound
from licensedesk.web.inbox import display, selectors, services
from licensedesk.web.inbox.forms import PreferenceForm

PAGE_SIZE = 50


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_agency_staff:
            raise DjangoPermissionDenied(_("The inbox is for agency staff."))
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@staff_only
@require_http_methods(["GET"])
def inbox_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    items = selectors.inbox_items_for(user=request.user, unread_only=unread_only)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"item": item, "kind": display.kind_label(item.kind), "summary": display.summary(item)}
        for item in page.object_list
    ]
    return render(request, "inbox/inbox.html", {"rows": rows, "page": page, "unread_only": unread_only})


@staff_only
@require_POST
def inbox_open(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        item = services.inbox_item_mark_read(item_id=pk, actor=request.user)
    except NotFound:
        raise Http404("no such inbox item") from None
    return redirect(display.target_url(item))


@staff_only
@require_http_methods(["GET", "POST"])
def inbox_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.inbox_preference_set(actor=request.user, email_mode=form.cleaned_data["email_mode"])
            messages.success(request, _("Your email option is saved."))
            return redirect("inbox:settings")
    else:
        form = PreferenceForm(initial={"email_mode": selectors.inbox_email_mode(user=request.user)})
    return render(request, "inbox/settings.html", {"form": form})

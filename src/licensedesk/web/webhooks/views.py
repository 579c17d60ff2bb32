"""The webhooks pages (agency admins only): the subscriptions, one subscription with its delivery log,
one delivery with its attempts; forms post to the services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensedesk.core.errors import ApplicationError, NotFound
from licensedesk.web.cases.display import current_lang, error_text
from licensedesk.web.webhooks import selectors, services
from licensedesk.web.webhooks.display import attempt_error, delivery_status, event_names
from licensedesk.web.webhooks.forms import SubscriptionForm

DELIVERIES_PER_PAGE = 50


def _admin(request: HttpRequest) -> None:
    if not selectors.may_manage_webhooks(request.user):
        raise DjangoPermissionDenied(_("Only the agency's administrators can manage webhooks."))


def _subscription(request: HttpRequest, pk: int) -> Any:
    _admin(request)
    try:
        return selectors.subscription_get_visible_to(user=request.user, subscription_id=pk)
    except NotFound as exc:
        raise Http404(error_text(exc)) from None


def _form_save(request: HttpRequest, form: SubscriptionForm, sub: Any = None) -> Any:
    values = form.cleaned_data
    try:
        if sub is None:
            return services.subscription_create(
                actor=request.user,
                url=values["url"],
                event_types=values["event_types"],
                description=values["description"],
            )
        return services.subscription_update(
            subscription=sub,
            actor=request.user,
            url=values["url"],
            event_types=values["event_types"],
            description=values["description"],
        )
    except ApplicationError as exc:
        field = exc.details.get("field")
        form.add_error(field if field in form.fields else None, error_text(exc))
        return None


@login_required
@require_http_methods(["GET", "POST"])
def subscription_list(request: HttpRequest) -> HttpResponse:
    _admin(request)
    form = SubscriptionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and (sub := _form_save(request, form)) is not None:
            messages.success(request, _("Webhook added. Copy its signing secret into your system."))
            return redirect("webhooks:detail", pk=sub.pk)
        status = 400
    subs = list(selectors.subscriptions_visible_to(user=request.user))
    lang = current_lang()
    rows = [(sub, event_names(sub.event_types, lang)) for sub in subs]
    return render(request, "webhooks/subscription_list.html", {"rows": rows, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _subscription(request, pk)
    initial = {"url": sub.url, "description": sub.description, "event_types": sub.event_types}
    form = SubscriptionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid() and _form_save(request, form, sub) is not None:
            messages.success(request, _("Webhook saved."))
            return redirect("webhooks:detail", pk=sub.pk)
        status = 400
    lang = current_lang()
    page = Paginator(selectors.deliveries_of(subscription=sub), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        (d, delivery_status(d, lang, active=sub.is_active), event_names([d.message.event_type], lang))
        for d in page.object_list
    ]
    context = {
        "sub": sub,
        "form": form,
        "page": page,
        "rows": rows,
        "events": event_names(sub.event_types, lang),
    }
    return render(request, "webhooks/subscription_detail.html", context, status=status)


@login_required
@require_POST
def subscription_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    sub = _subscription(request, pk)
    try:
        if action == "enable":
            services.subscription_set_active(subscription=sub, actor=request.user, active=True)
            messages.success(request, _("Webhook enabled. Events still waiting are being sent now."))
        elif action == "disable":
            services.subscription_set_active(subscription=sub, actor=request.user, active=False)
            messages.success(request, _("Webhook disabled. No events are sent to it until you enable it."))
        elif action == "rotate":
            services.subscription_rotate_secret(subscription=sub, actor=request.user)
            messages.success(request, _("New signing secret made. The old one no longer signs anything."))
        elif action == "delete":
            services.subscription_delete(subscription=sub, actor=request.user)
            messages.success(request, _("Webhook deleted with its delivery log."))
            return redirect("webhooks:list")
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    return redirect("webhooks:detail", pk=sub.pk)


def _delivery(request: HttpRequest, pk: int) -> Any:
    _admin(request)
    try:
        return selectors.delivery_get_visible_to(user=request.user, delivery_id=pk)
    except NotFound as exc:
        raise Http404(error_text(exc)) from None


@login_required
@require_http_methods(["GET"])
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery(request, pk)
    lang = current_lang()
    attempts = [(a, attempt_error(a, lang)) for a in selectors.attempts_of(delivery=delivery)]
    context = {
        "delivery": delivery,
        "sub": delivery.subscription,
        "status": delivery_status(delivery, lang, active=delivery.subscription.is_active),
        "event": event_names([delivery.message.event_type], lang)[0],
        "attempts": attempts,
        "payload": json.dumps(delivery.message.payload, ensure_ascii=False, indent=2, sort_keys=True),
    }
    return render(request, "webhooks/delivery_detail.html", context)


@login_required
@require_POST
def delivery_redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery(request, pk)
    try:
        services.delivery_redeliver(delivery=delivery, actor=request.user)
        messages.success(request, _("The event is being sent again."))
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    return redirect("webhooks:delivery", pk=delivery.pk)

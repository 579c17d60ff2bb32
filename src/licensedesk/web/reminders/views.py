"""The deadlines page (every deadline the user owns, the reminders sent to them, their calendar address
made, shown once, revoked), the agency's reminder days (admins), and the calendar feed itself, which
needs no session: its secret address is the credential."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from licensedesk.core.errors import ApplicationError
from licensedesk.web.cases.display import error_text
from licensedesk.web.portal.emails import served_base_url
from licensedesk.web.reminders import emails, selectors, services
from licensedesk.web.reminders import feed as ical
from licensedesk.web.reminders.deadlines import Deadline
from licensedesk.web.reminders.forms import ReminderDaysForm
from licensedesk.web.reminders.models import Channel, SentReminder

_NEW_TOKEN = "reminders.new_feed_token"
SENT_SHOWN = 20


def _agency_user(request: HttpRequest) -> None:
    if request.user.agency_id is None:
        raise DjangoPermissionDenied(_("This page is for the users of an agency."))


def _row(deadline: Deadline, *, today: Any, client: bool, english: bool) -> dict[str, Any]:
    left = deadline.days_left(today)
    return {
        "deadline": deadline,
        "title": deadline.title_en if english else deadline.title_zh,
        "detail": deadline.detail_en if english else deadline.detail_zh,
        "left": left,
        "when": (emails.when_en(left) if english else emails.when_zh(left)) if left >= 0 else "",
        "link": deadline.client_path if client else deadline.path,
    }


@login_required
@require_GET
def deadlines_page(request: HttpRequest) -> HttpResponse:
    _agency_user(request)
    user = request.user
    today = services.today_local()
    english = (get_language() or "").startswith("en")
    client = user.is_client_user
    rows = [
        _row(d, today=today, client=client, english=english)
        for d in selectors.deadlines_owned_by(user=user, today=today)
    ]
    token = request.session.pop(_NEW_TOKEN, None)
    sent = list(
        SentReminder.objects.filter(
            recipient_id=user.pk, agency_id=user.agency_id, channel=Channel.EMAIL
        ).order_by("-sent_at", "-pk")[:SENT_SHOWN]
    )
    context = {
        "rows": rows,
        "feed": selectors.calendar_feed_active(user=user),
        "new_url": (
            served_base_url(request) + reverse("reminders:feed", kwargs={"token": token}) if token else ""
        ),
        "sent": [{"row": s, "title": (s.title_en or s.title_zh) if english else s.title_zh} for s in sent],
        "days": (", " if english else "、").join(
            str(d) for d in selectors.reminder_days(agency_id=user.agency_id)
        ),
        "client": client,
    }
    return render(request, "reminders/deadlines.html", context)


@login_required
@require_POST
def feed_create(request: HttpRequest) -> HttpResponse:
    _agency_user(request)
    try:
        _, token = services.calendar_feed_create(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        request.session[_NEW_TOKEN] = token
    return redirect("reminders:page")


@login_required
@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    _agency_user(request)
    if services.calendar_feed_revoke(actor=request.user):
        messages.success(request, _("Your calendar address is revoked: calendars using it get nothing more."))
    return redirect("reminders:page")


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request: HttpRequest) -> HttpResponse:
    if not request.user.is_agency_admin:
        raise DjangoPermissionDenied(_("Only the agency's administrators can change the reminder days."))
    status = 200
    if request.method == "POST":
        form = ReminderDaysForm(request.POST)
        if form.is_valid():
            try:
                services.reminder_days_set(actor=request.user, days=form.cleaned_data["days_before"])
            except ApplicationError as exc:
                form.add_error("days_before", error_text(exc))
                status = exc.http_status
            else:
                messages.success(request, _("The reminder days are saved."))
                return redirect("reminders:page")
        else:
            status = 400
    else:
        days = selectors.reminder_days(agency_id=request.user.agency_id)
        form = ReminderDaysForm(initial={"days_before": ", ".join(str(d) for d in days)})
    return render(request, "reminders/settings.html", {"form": form}, status=status)


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar of the feed's user. An unknown or revoked address answers 404, the same way."""
    found = selectors.calendar_feed_by_token(token=token)
    if found is None:
        raise Http404("no such calendar")
    user = found.user
    now = timezone.now()
    deadlines = selectors.deadlines_owned_by(user=user, today=services.today_local(now))
    body = ical.calendar_for(
        deadlines,
        client=user.is_client_user,
        base_url=served_base_url(request),
        now=now,
        name=f"许可证办理台 · {user}",
    )
    services.calendar_feed_touch(feed=found, now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response

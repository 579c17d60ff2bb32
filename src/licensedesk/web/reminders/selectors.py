"""Reads of the reminders: an agency's reminder days, the deadlines a user owns (what their calendar
feed holds), a feed by its token, and the reminders given. Every read is scoped to the user's agency
(and, for a client user, to their company)."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.db.models import QuerySet

from licensedesk.web.accounts.models import Agency, Role
from licensedesk.web.reminders.deadlines import Deadline, agency_deadlines
from licensedesk.web.reminders.models import DEFAULT_DAYS_BEFORE, CalendarFeed, ReminderSetting


def reminder_days(*, agency_id: int) -> tuple[int, ...]:
    """The days before a due date the agency reminds on, largest first (30, 7, 1 unless set)."""
    days = ReminderSetting.objects.filter(agency_id=agency_id).values_list("days_before", flat=True).first()
    return tuple(sorted({int(d) for d in days}, reverse=True)) if days else DEFAULT_DAYS_BEFORE


def owns(user: Any, deadline: Deadline) -> bool:
    """Whether ``deadline`` is ``user``'s: a consultant's cases and their clients' licenses; an agency
    admin's own and those without a consultant; a client user's company's deadlines they act on."""
    if not getattr(user, "is_active", False) or user.agency_id != deadline.agency_id:
        return False
    if user.role == Role.CLIENT_USER:
        return deadline.for_client and user.company_id == deadline.company_id
    if deadline.consultant_id is None:
        return user.role == Role.AGENCY_ADMIN
    return deadline.consultant_id == user.pk


def deadlines_owned_by(*, user: Any, today: date) -> list[Deadline]:
    """The deadlines ``user`` owns from ``today`` on (and those past due but still open), nearest first."""
    if not getattr(user, "is_authenticated", False) or user.agency_id is None:
        return []
    agency = Agency.objects.get(pk=user.agency_id)
    return [d for d in agency_deadlines(agency=agency, today=today) if owns(user, d)]


def token_hash(token: str) -> str:
    """The SHA-256 of a feed token (a 256-bit random value: no salt or slow hash is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def calendar_feed_by_token(*, token: str) -> CalendarFeed | None:
    """The live feed of ``token`` with its user, or None (unknown, revoked, or its user deactivated)."""
    return (
        CalendarFeed.objects.filter(
            token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )


def calendar_feed_active(*, user: Any) -> CalendarFeed | None:
    """The user's live feed, if they made one."""
    return CalendarFeed.objects.filter(user_id=user.pk, revoked_at__isnull=True).first()


def calendar_feeds_of(*, user: Any) -> QuerySet[CalendarFeed]:
    return CalendarFeed.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")

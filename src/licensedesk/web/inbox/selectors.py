"""Reads of the inbox. Who sees which item is decided here only:

* only staff of the item's agency (a client user has no inbox: nothing);
* a consultant sees the items addressed to them, and those without a recipient of the cases they now
  look after (the case had no consultant when the event happened);
* an agency admin sees their own, and those without a recipient of the agency's cases that still have
  no consultant.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from licensedesk.web.inbox.models import EmailMode, InboxItem, InboxPreference


def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_agency_staff", False))


def _visible(user: Any) -> Q:
    unassigned = Q(recipient__isnull=True)
    if user.is_agency_admin:
        unassigned &= Q(case__consultant__isnull=True)
    else:
        unassigned &= Q(case__consultant_id=user.pk)
    return Q(agency_id=user.agency_id) & (Q(recipient_id=user.pk) | unassigned)


def inbox_items_for(*, user: Any, unread_only: bool = False) -> QuerySet[InboxItem]:
    """The items ``user`` sees, newest first, with their case and company (one query)."""
    if not _is_staff(user):
        return InboxItem.objects.none()
    items = InboxItem.objects.filter(_visible(user)).select_related("case", "case__company", "company")
    if unread_only:
        items = items.filter(read_at__isnull=True)
    return items.order_by("-created_at", "-pk")


def inbox_unread_count(*, user: Any) -> int:
    """How many of ``user``'s items are unread: one query (it is on every staff page's navigation)."""
    if not _is_staff(user):
        return 0
    return InboxItem.objects.filter(_visible(user), read_at__isnull=True).count()


def inbox_item_get_for(*, user: Any, item_id: int) -> InboxItem | None:
    """One item ``user`` sees, or None (another user's, another agency's, no such item)."""
    return inbox_items_for(user=user).filter(pk=item_id).first()


def inbox_email_mode(*, user: Any) -> str:
    """The user's email preference (immediately when they never chose)."""
    mode = InboxPreference.objects.filter(user_id=user.pk).values_list("email_mode", flat=True).first()
    return mode or EmailMode.IMMEDIATE

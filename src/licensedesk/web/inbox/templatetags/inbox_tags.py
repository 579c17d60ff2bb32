"""The navigation's unread count: one query, on staff pages only."""

from __future__ import annotations

from typing import Any

from django import template

from licensedesk.web.inbox.selectors import inbox_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread(context: Any) -> int:
    """``{% inbox_unread as count %}``: the signed-in staff user's unread items (0 for anyone else)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return inbox_unread_count(user=user) if user is not None else 0

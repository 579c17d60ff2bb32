"""Cursor pagination: the cursor is the sort key of the last row handed out, so a page is the first
rows after it in the list's index (no OFFSET: page 1,000 costs what page 1 costs, and rows added
meanwhile neither repeat nor vanish)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from django.db.models import Model, Q, QuerySet

from licensedesk.web.api.errors import cursor_invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode(cursor: str, size: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise cursor_invalid() from None
    if not isinstance(values, list) or len(values) != size:
        raise cursor_invalid()
    return values


def page[M: Model](
    rows: QuerySet[M],
    *,
    cursor: str | None,
    limit: int,
    after: Callable[[list[Any]], Q],
    key: Callable[[M], list[Any]],
    size: int,
) -> tuple[list[M], str | None]:
    """The rows after ``cursor`` (``rows`` already in the list's order) and the next page's cursor."""
    if cursor:
        rows = rows.filter(after(decode(cursor, size)))
    items = list(rows[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return items, encode(key(items[-1])) if more and items else None

"""``deadline.due``: the one event no change raises. A deadline falls due with the passing of time, so a
periodic sweep (the housekeeping) writes it: for each agency with a subscription to it, every deadline
the reminders app knows (case clocks, license duties: :func:`licensedesk.web.reminders.deadlines
.agency_deadlines`) whose due date is today, or was within :data:`CATCH_UP_DAYS` and no run saw it (a
server that was down). Each deadline and due date is written once (``WebhookMessage.dedupe_key``, unique
per agency), whatever the number of runs or processes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from licensedesk.web.accounts.models import Agency
from licensedesk.web.webhooks.events import DEADLINE_DUE
from licensedesk.web.webhooks.models import WebhookMessage, WebhookSubscription
from licensedesk.web.webhooks.outbox import outbox_write

CATCH_UP_DAYS = 3


def deadline_data(deadline: Any) -> dict[str, Any]:
    return {
        "deadline": {
            "key": deadline.key,
            "source": deadline.source,
            "title_zh": deadline.title_zh,
            "title_en": deadline.title_en,
            "due": deadline.due.isoformat(),
            "approximate": deadline.approximate,
            "certainty": deadline.certainty,
            "citations": list(deadline.citations),
        },
        "case_id": deadline.case_id,
        "license_record_id": deadline.license_record_id,
        "company_id": deadline.company_id,
    }


def deadlines_due_write(*, now: datetime | None = None) -> int:
    """Write the ``deadline.due`` events that are due and not yet written; how many."""
    from licensedesk.web.reminders.deadlines import agency_deadlines

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    earliest = today - timedelta(days=CATCH_UP_DAYS)
    agency_ids = {
        agency_id
        for agency_id, types in WebhookSubscription.objects.filter(is_active=True).values_list(
            "agency_id", "event_types"
        )
        if DEADLINE_DUE in (types or [])
    }
    written = 0
    for agency in Agency.objects.filter(pk__in=agency_ids).order_by("pk"):
        due = [d for d in agency_deadlines(agency=agency, today=today) if earliest <= d.due <= today]
        if not due:
            continue
        keys = {_key(d.key, d.due): d for d in due}
        seen = set(
            WebhookMessage.objects.filter(agency=agency, dedupe_key__in=list(keys)).values_list(
                "dedupe_key", flat=True
            )
        )
        for key, deadline in keys.items():
            if key in seen:
                continue
            try:
                with transaction.atomic():
                    message = outbox_write(
                        agency_id=agency.pk,
                        event_type=DEADLINE_DUE,
                        data=deadline_data(deadline),
                        dedupe_key=key,
                    )
            except IntegrityError:  # another process wrote it first
                continue
            written += message is not None
    return written


def _key(deadline_key: str, due: date) -> str:
    return f"deadline:{deadline_key}:{due.isoformat()}"[:200]

"""The outbox: one :class:`WebhookMessage` per event and one pending :class:`WebhookDelivery` per
subscribed endpoint, written inside the transaction of the change that raised the event.

A change and its outbox rows commit together or not at all, so a crash never loses an event (the
pending delivery waits for the next sweep, :func:`licensedesk.web.webhooks.services.deliveries_due_run`)
and never invents one (a rolled-back change leaves no row). Sending starts only once the transaction
commits (``transaction.on_commit``).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from licensedesk.web.webhooks.events import ACTION_EVENTS, EVENT_TYPES, envelope, event_data
from licensedesk.web.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookMessage,
    WebhookSubscription,
)


def new_msg_id() -> str:
    """A Standard Webhooks message id: unique per event, the same on every retry and redelivery (the
    receiver's idempotency key)."""
    return "msg_" + secrets.token_urlsafe(24)


def outbox_write(
    *,
    agency_id: int,
    event_type: str,
    data: dict[str, Any],
    occurred_at: datetime | None = None,
    audit_event: Any = None,
    dedupe_key: str = "",
) -> WebhookMessage | None:
    """Record event ``event_type`` for every active subscription of the agency that asked for it; call
    it inside the transaction of the change. None (and nothing written) when no one subscribed."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    subscriptions = [
        sub_id
        for sub_id, types in WebhookSubscription.objects.filter(
            agency_id=agency_id, is_active=True
        ).values_list("pk", "event_types")
        if event_type in (types or [])
    ]
    if not subscriptions:
        return None
    now = timezone.now()
    occurred_at = occurred_at or now
    message = WebhookMessage.objects.create(
        agency_id=agency_id,
        msg_id=new_msg_id(),
        event_type=event_type,
        payload=envelope(event_type, occurred_at, data),
        audit_event=audit_event,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            message=message,
            subscription_id=sub_id,
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            retry_from=now,
            created_at=now,
        )
        for sub_id in subscriptions
    )
    ids = [d.pk for d in deliveries if d.pk is not None]
    if not ids:  # backends that do not return ids from a bulk insert
        ids = list(WebhookDelivery.objects.filter(message=message).values_list("pk", flat=True))

    def _start() -> None:
        from licensedesk.web.webhooks import runner

        for delivery_id in ids:
            runner.enqueue(delivery_id)

    transaction.on_commit(_start)
    return message


def outbox_write_for_audit(*, event: Any, case: Any = None) -> None:
    """The audit hook (registered in ``WebhooksConfig.ready``): an audit action that raises an event
    writes it to the outbox, in the audit event's (that is, the change's) transaction."""
    event_type = ACTION_EVENTS.get(event.action)
    if event_type is None:
        return
    outbox_write(
        agency_id=event.agency_id,
        event_type=event_type,
        data=event_data(event, case),
        occurred_at=event.occurred_at,
        audit_event=event,
    )

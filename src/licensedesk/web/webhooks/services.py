"""Webhook writes: subscriptions (agency admins only), delivering what the outbox holds, retries with
exponential back-off for a day, redelivery by hand, and disabling an endpoint that keeps failing.

A delivery is sent by whoever claims it first (:func:`delivery_attempt`: a conditional update of
``claimed_until``), outside any transaction; its outcome is recorded afterwards in one. A process that
dies between the claim and the record leaves the claim to expire, and the delivery is sent again:
delivery is at least once, and the receiver recognises a repeat by its ``webhook-id``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from licensedesk.web.accounts.roles import ensure_admin
from licensedesk.web.audit.services import audit_record
from licensedesk.web.webhooks import emails, errors
from licensedesk.web.webhooks.addresses import literal_refusal, parse_target
from licensedesk.web.webhooks.events import EVENT_TYPES
from licensedesk.web.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from licensedesk.web.webhooks.sender import Outcome, new_secret, send

logger = logging.getLogger(__name__)

ADMIN_ONLY = "manage webhooks"


# -- settings -----------------------------------------------------------------------------------------


def retry_window() -> timedelta:
    return timedelta(hours=float(getattr(settings, "WEBHOOK_RETRY_HOURS", 24)))


def retry_delay(failed_attempts: int) -> timedelta:
    """How long to wait after the ``failed_attempts``-th failure: ``WEBHOOK_RETRY_BASE_SECONDS`` (10)
    × 4ⁿ⁻¹, at most 8 hours: 10 s, 40 s, 2 min 40 s, 10 min 40 s, 43 min, 2 h 51 min, then every 8 h
    until the day is over (then one last attempt at its end)."""
    base = float(getattr(settings, "WEBHOOK_RETRY_BASE_SECONDS", 10))
    seconds = base * 4 ** max(failed_attempts - 1, 0)
    return timedelta(seconds=min(seconds, 8 * 3600))


def _claim_lease() -> timedelta:
    connect = float(getattr(settings, "WEBHOOK_CONNECT_TIMEOUT_SECONDS", 5))
    read = float(getattr(settings, "WEBHOOK_READ_TIMEOUT_SECONDS", 10))
    return timedelta(seconds=2 * (connect + read) + 30)


# -- subscriptions ----------------------------------------------------------------------------------------


def _clean(url: str, event_types: list[str]) -> tuple[str, list[str]]:
    url = (url or "").strip()
    try:
        target = parse_target(url)
    except ValueError:
        raise errors.url_invalid(url) from None
    why = literal_refusal(target.host)
    if why is not None:
        raise errors.url_refused(url, why)
    chosen = list(dict.fromkeys(event_types or []))
    if not chosen:
        raise errors.events_empty()
    for event_type in chosen:
        if event_type not in EVENT_TYPES:
            raise errors.event_unknown(event_type)
    return url, [t for t in EVENT_TYPES if t in chosen]


def _shown(sub: WebhookSubscription) -> dict[str, Any]:
    return {
        "url": sub.url,
        "description": sub.description,
        "event_types": sub.event_types,
        "active": sub.is_active,
    }


def subscription_create(
    *, actor: Any, url: str, event_types: list[str], description: str = ""
) -> WebhookSubscription:
    """A new subscription of the actor's agency with a fresh signing secret."""
    ensure_admin(actor, getattr(actor, "agency_id", None), action=ADMIN_ONLY)
    url, event_types = _clean(url, event_types)
    with transaction.atomic():
        sub = WebhookSubscription.objects.create(
            agency_id=actor.agency_id,
            url=url,
            description=description.strip()[:200],
            event_types=event_types,
            secret=new_secret(),
            created_by=actor,
        )
        audit_record(
            agency=actor.agency_id,
            actor=actor,
            action="webhook.subscription_created",
            target=sub,
            after=_shown(sub),
        )
    return sub


def subscription_update(
    *, subscription: WebhookSubscription, actor: Any, url: str, event_types: list[str], description: str = ""
) -> WebhookSubscription:
    ensure_admin(actor, subscription.agency_id, action=ADMIN_ONLY)
    url, event_types = _clean(url, event_types)
    with transaction.atomic():
        before = _shown(subscription)
        subscription.url = url
        subscription.event_types = event_types
        subscription.description = description.strip()[:200]
        subscription.version = F("version") + 1
        subscription.save(update_fields=["url", "event_types", "description", "version", "updated_at"])
        subscription.refresh_from_db()
        audit_record(
            agency=subscription.agency_id,
            actor=actor,
            action="webhook.subscription_updated",
            target=subscription,
            before=before,
            after=_shown(subscription),
        )
    return subscription


def subscription_set_active(
    *, subscription: WebhookSubscription, actor: Any, active: bool
) -> WebhookSubscription:
    """Enable (the failure count starts again; deliveries still pending are sent now) or disable."""
    ensure_admin(actor, subscription.agency_id, action=ADMIN_ONLY)
    now = timezone.now()
    with transaction.atomic():
        fields: dict[str, Any] = {"is_active": active, "updated_at": now}
        if active:
            fields |= {"disabled_at": None, "disabled_reason": "", "failure_streak": 0, "failing_since": None}
        else:
            fields |= {"disabled_at": now, "disabled_reason": "by_admin"}
        WebhookSubscription.objects.filter(pk=subscription.pk).update(**fields)
        pending: list[int] = []
        if active:
            pending = list(
                WebhookDelivery.objects.filter(
                    subscription=subscription, status=DeliveryStatus.PENDING
                ).values_list("pk", flat=True)
            )
            WebhookDelivery.objects.filter(pk__in=pending).update(next_attempt_at=now, retry_from=now)
        audit_record(
            agency=subscription.agency_id,
            actor=actor,
            action="webhook.subscription_enabled" if active else "webhook.subscription_disabled",
            target=subscription,
            before={"active": subscription.is_active},
            after={"active": active},
        )
        _enqueue_on_commit(pending)
    subscription.refresh_from_db()
    return subscription


def subscription_rotate_secret(*, subscription: WebhookSubscription, actor: Any) -> WebhookSubscription:
    """A new signing secret; the old one stops working at once."""
    ensure_admin(actor, subscription.agency_id, action=ADMIN_ONLY)
    with transaction.atomic():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            secret=new_secret(), updated_at=timezone.now()
        )
        audit_record(
            agency=subscription.agency_id, actor=actor, action="webhook.secret_rotated", target=subscription
        )
    subscription.refresh_from_db()
    return subscription


def subscription_delete(*, subscription: WebhookSubscription, actor: Any) -> None:
    """Remove the subscription with its delivery log."""
    ensure_admin(actor, subscription.agency_id, action=ADMIN_ONLY)
    with transaction.atomic():
        audit_record(
            agency=subscription.agency_id,
            actor=actor,
            action="webhook.subscription_deleted",
            before=_shown(subscription) | {"id": subscription.pk},
        )
        subscription.delete()


# -- delivering -----------------------------------------------------------------------------------------


def _enqueue_on_commit(delivery_ids: list[int], eta: datetime | None = None) -> None:
    if not delivery_ids:
        return

    def start() -> None:
        from licensedesk.web.webhooks import runner

        for delivery_id in delivery_ids:
            runner.enqueue(delivery_id, eta=eta)

    transaction.on_commit(start)


def delivery_redeliver(*, delivery: WebhookDelivery, actor: Any) -> WebhookDelivery:
    """Send the event again (same ``webhook-id``), now, with a new day of retries if it fails."""
    ensure_admin(actor, delivery.subscription.agency_id, action=ADMIN_ONLY)
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            retry_from=now,
            manual=True,
            claimed_until=None,
        )
        audit_record(
            agency=delivery.subscription.agency_id,
            actor=actor,
            action="webhook.redelivery_requested",
            target=delivery.subscription,
            data={"delivery": delivery.pk, "msg_id": delivery.message.msg_id},
        )
        _enqueue_on_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


def _claim(delivery_id: int, now: datetime) -> bool:
    return bool(
        WebhookDelivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            pk=delivery_id,
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            subscription__is_active=True,
        ).update(claimed_until=now + _claim_lease())
    )


@dataclass(frozen=True)
class AttemptResult:
    outcome: Outcome
    status: str
    next_attempt_at: datetime | None
    disabled: bool


def delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> AttemptResult | None:
    """Send delivery ``delivery_id`` once if it is due and no one else holds it (None otherwise), and
    record the outcome: delivered; or the next try per :func:`retry_delay`, or — a day after the event
    (or the redelivery request) — failed for good. A subscription failing
    ``WEBHOOK_DISABLE_AFTER_FAILURES`` times in a row over at least ``WEBHOOK_DISABLE_AFTER_HOURS`` is
    disabled, and the agency's admins are told by email."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("message", "subscription").get(pk=delivery_id)
    sub, message = delivery.subscription, delivery.message
    outcome = send(url=sub.url, secret=sub.secret, msg_id=message.msg_id, payload=message.payload)
    done_at = max(timezone.now(), now)
    with transaction.atomic():
        number = delivery.attempts + 1
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            attempted_at=done_at,
            status_code=outcome.status_code,
            error_code=outcome.error_code,
            error=outcome.error,
            response_body=outcome.body,
            duration_ms=outcome.duration_ms,
            manual=delivery.manual,
            succeeded=outcome.ok,
        )
        fields: dict[str, Any] = {
            "attempts": number,
            "last_status_code": outcome.status_code,
            "claimed_until": None,
            "manual": False,
        }
        next_at: datetime | None = None
        disabled = False
        if outcome.ok:
            fields |= {"status": DeliveryStatus.SUCCEEDED, "delivered_at": done_at, "next_attempt_at": None}
            WebhookSubscription.objects.filter(pk=sub.pk).update(failure_streak=0, failing_since=None)
        else:
            end = delivery.retry_from + retry_window()
            fails = WebhookAttempt.objects.filter(
                delivery_id=delivery.pk, attempted_at__gte=delivery.retry_from, succeeded=False
            ).count()
            if done_at >= end:
                fields |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
            else:
                next_at = min(done_at + retry_delay(fails), end)
                fields |= {"next_attempt_at": next_at}
            disabled = _count_failure(sub.pk, done_at)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
        if next_at is not None and not disabled:
            _enqueue_on_commit([delivery.pk], eta=next_at)
    return AttemptResult(outcome, fields.get("status", DeliveryStatus.PENDING), next_at, disabled)


def _count_failure(subscription_id: int, now: datetime) -> bool:
    """Count one more failed attempt of the subscription; disable it (and email the admins once the
    transaction commits) when it has failed long and often enough. True if it was disabled now."""
    sub = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    sub.failure_streak += 1
    sub.failing_since = sub.failing_since or now
    limit = int(getattr(settings, "WEBHOOK_DISABLE_AFTER_FAILURES", 15))
    hours = float(getattr(settings, "WEBHOOK_DISABLE_AFTER_HOURS", 24))
    disable = (
        sub.is_active and sub.failure_streak >= limit and now - sub.failing_since >= timedelta(hours=hours)
    )
    fields = ["failure_streak", "failing_since"]
    if disable:
        sub.is_active, sub.disabled_at, sub.disabled_reason = False, now, "failing"
        fields += ["is_active", "disabled_at", "disabled_reason"]
    sub.save(update_fields=fields)
    if disable:
        audit_record(
            agency=sub.agency_id,
            actor=None,
            action="webhook.subscription_auto_disabled",
            target=sub,
            before={"active": True},
            after={"active": False},
            data={"failures": sub.failure_streak, "failing_since": sub.failing_since},
        )
        failures = sub.failure_streak

        def tell_admins() -> None:
            recipients = emails.admin_recipients(sub.agency_id)
            if recipients:
                try:
                    emails.disabled_message(subscription=sub, failures=failures, to=recipients).send()
                except Exception:  # the subscription is disabled either way; the page says so
                    logger.exception("could not email the admins about disabled webhook %s", sub.pk)

        transaction.on_commit(tell_admins)
    return disable


def deliveries_due_run(*, now: datetime | None = None, limit: int = 200) -> int:
    """Send every delivery that is due (the oldest first, at most ``limit``): the sweep that picks up
    what a crash, a restart or a lost queue message left pending. How many were attempted."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            subscription__is_active=True,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for delivery_id in due if delivery_attempt(delivery_id=delivery_id, now=now) is not None)

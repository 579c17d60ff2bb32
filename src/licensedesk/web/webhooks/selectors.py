"""Webhook reads, scoped to the reader's agency and to its admins (no one else sees subscriptions)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from licensedesk.web.accounts.models import Role
from licensedesk.web.webhooks import errors
from licensedesk.web.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription


def _admin_agency(user: Any) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role != Role.AGENCY_ADMIN or user.agency_id is None:
        return None
    return user.agency_id


def may_manage_webhooks(user: Any) -> bool:
    return _admin_agency(user) is not None


def subscriptions_visible_to(*, user: Any) -> QuerySet[WebhookSubscription]:
    agency_id = _admin_agency(user)
    if agency_id is None:
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(agency_id=agency_id).order_by("-is_active", "url", "pk")


def subscription_get_visible_to(*, user: Any, subscription_id: int) -> WebhookSubscription:
    sub = subscriptions_visible_to(user=user).filter(pk=subscription_id).first()
    if sub is None:
        raise errors.subscription_not_found(subscription_id)
    return sub


def deliveries_of(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """The delivery log of one subscription, newest first (one query with each event)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("message")
        .defer("message__payload")
        .order_by("-created_at", "-pk")
    )


def delivery_get_visible_to(*, user: Any, delivery_id: int) -> WebhookDelivery:
    agency_id = _admin_agency(user)
    delivery = (
        WebhookDelivery.objects.filter(pk=delivery_id, subscription__agency_id=agency_id)
        .select_related("message", "subscription")
        .first()
        if agency_id is not None
        else None
    )
    if delivery is None:
        raise errors.delivery_not_found(delivery_id)
    return delivery


def attempts_of(*, delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return WebhookAttempt.objects.filter(delivery=delivery).order_by("-attempted_at", "-pk")

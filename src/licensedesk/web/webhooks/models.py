"""Webhook subscriptions, the outbox of events, and the deliveries of each event to each subscription
with every attempt's outcome (the delivery log).

``WebhookMessage`` is the outbox: written in the transaction of the change it reports (with the change's
audit event), so it exists if and only if the change committed. One ``WebhookDelivery`` per message and
subscription carries the retry state; a worker claims it with a conditional update (``claimed_until``),
so two workers never send the same delivery at once, and a crash after the commit leaves it pending for
the next sweep.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookSubscription(models.Model):
    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(_("endpoint URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=20, blank=True)
    failure_streak = models.PositiveIntegerField(_("failed attempts in a row"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(_("edit version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        indexes = (models.Index(fields=["agency", "is_active"], name="webhook_sub_agency_active_idx"),)

    def __str__(self) -> str:
        return self.url


class WebhookMessage(models.Model):
    """One event, as sent: its Standard Webhooks id (``msg_…``), type and JSON payload."""

    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="+"
    )
    msg_id = models.CharField(_("message id"), max_length=40, unique=True)
    event_type = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"))
    audit_event = models.ForeignKey(
        "audit.AuditEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Events not raised by a change (a deadline falling due) are written by a periodic sweep: this key
    # (``deadline:<key>:<due>``) makes a second sweep, or a second process, write it no second time.
    dedupe_key = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        constraints = (
            models.UniqueConstraint(
                fields=["agency", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="webhook_message_once",
            ),
        )


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed: retries used up")


class WebhookDelivery(models.Model):
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # Retries run for a day from here: the event's time, or the time an admin asked to redeliver.
    retry_from = models.DateTimeField(_("retrying since"))
    manual = models.BooleanField(_("redelivery asked for"), default=False)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = (
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_sub_idx"),
        )
        constraints = (
            models.UniqueConstraint(fields=["message", "subscription"], name="webhook_delivery_once"),
        )


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: when, what came back (status code, the start of the body) or
    why nothing did."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error_code = models.CharField(_("error"), max_length=20, blank=True)  # sender.ERROR_TEXTS
    error = models.CharField(_("error detail"), max_length=300, blank=True)
    response_body = models.CharField(_("response"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    manual = models.BooleanField(_("redelivered by hand"), default=False)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ("-attempted_at", "-pk")

"""AuditEvent (append-only, hash-chained) and AuditChain (each agency's chain head)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from licensedesk.web.audit.chain import GENESIS_HASH, timestamp


class AppendOnlyError(RuntimeError):
    """Audit events are never updated or deleted through the application."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")


class AuditChain(models.Model):
    """The head of an agency's chain: the last sequence number and hash.

    Appends lock the agency row first, so two writers cannot fork the chain; keeping the head lets
    ``audit_verify`` notice events deleted from, or forged onto, the end of the chain. ``key_id`` lets it
    tell "verified with the wrong key" from "tampered with" (see ``chain.key_fingerprint``).
    """

    agency = models.OneToOneField(
        "accounts.Agency", on_delete=models.PROTECT, primary_key=True, related_name="audit_chain"
    )
    last_seq = models.PositiveBigIntegerField(_("last sequence number"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)
    key_id = models.CharField(
        _("key fingerprint"),
        max_length=16,
        blank=True,
        default="",
        help_text="Fingerprint of the key the chain is hashed with; empty: not recorded (written before "
        "keyed hashing).",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")


class AuditEvent(models.Model):
    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="audit_events"
    )
    seq = models.PositiveBigIntegerField(
        _("sequence number"), help_text=_("Position in the agency's chain, from 1, without gaps.")
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(
        _("actor's name"), max_length=150, blank=True, help_text=_("The actor's username at the time.")
    )
    action = models.CharField(_("action"), max_length=64)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ("agency_id", "seq")
        constraints = (models.UniqueConstraint(fields=["agency", "seq"], name="audit_event_agency_seq_uniq"),)
        indexes = (
            models.Index(fields=["agency", "-occurred_at"], name="audit_agency_time_idx"),
            models.Index(fields=["case", "seq"], name="audit_case_seq_idx"),
            models.Index(fields=["agency", "action"], name="audit_agency_action_idx"),
        )

    def __str__(self) -> str:
        from licensedesk.web.audit.actions import action_label

        return f"#{self.seq} {action_label(self.action)} · {self.actor_label or 'system'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")

    def hash_fields(self) -> dict[str, Any]:
        """The fields the hash covers, as stored."""
        return {
            "agency": self.agency_id,
            "seq": self.seq,
            "occurred_at": timestamp(self.occurred_at),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "case": self.case_id,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "before": self.before,
            "after": self.after,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

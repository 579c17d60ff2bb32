"""API tokens: issued by an agency admin, shown once, stored as a SHA-256 hash.

Rows are written only by :mod:`licensedesk.web.api.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token of one agency. Calls made with it act as ``user`` (the agency admin who created
    it), narrowed to ``scopes``; they stop working when it expires, is revoked, or its user is no
    longer an active admin of the agency.

    The secret is never stored: ``prefix`` (public, shown in lists and used to find the row) and the
    SHA-256 of the whole token. A token has 256 bits of randomness, so a fast hash is enough (a
    password hash would slow every API call down for nothing)."""

    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acts as"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    token_hash = models.CharField(_("token hash"), max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["agency", "-created_at"], name="apitoken_agency_created_idx"),)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

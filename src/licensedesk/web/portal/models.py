"""Invitations (how a client's people get an account) and profile drafts (what a client has typed into a
profile section but not submitted yet).

Why invitations live here and not in ``accounts``: an invitation is to a *case* — its email names the
agency, the company and the license, accepting it binds the new user to the case's company — so it
depends on ``cases``; ``accounts`` stays the plain tenant/user/role layer that ``cases`` builds on.
Accounts are still created by ``accounts.services.user_create``.

Rows are written only by :mod:`licensedesk.web.portal.services`.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InvitationState(models.TextChoices):
    SENT = "sent", "已发送 Sent"
    OPENED = "opened", "已打开 Opened"
    ACCEPTED = "accepted", "已接受 Accepted"
    EXPIRED = "expired", "已过期 Expired"
    SUPERSEDED = "superseded", "已重发 Replaced by a newer invitation"


class Invitation(models.Model):
    """One invitation email with a single-use link. Only the SHA-256 of the link's token is stored, so
    a copy of the database does not let anyone accept an invitation.

    The state is not stored: it follows from the timestamps (``expired`` is computed from
    ``expires_at``, so no job has to flip it). Re-sending writes a new invitation and marks this one
    ``superseded_at``: the old link stops working and says why.
    """

    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="invitations"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    token_hash = models.CharField(
        _("link token hash"), max_length=64, unique=True, help_text="SHA-256 (hex) of the link token."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    opened_at = models.DateTimeField(_("link opened at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accepted_invitations",
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    resent_from = models.OneToOneField(
        "self",
        verbose_name=_("resent from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resent_as",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ("-created_at", "-pk")
        indexes = (
            models.Index(fields=["case", "-created_at"], name="invitation_case_created_idx"),
            models.Index(fields=["agency", "email"], name="invitation_agency_email_idx"),
        )
        constraints = (
            # One live invitation per person and case: a second one is a re-send.
            models.UniqueConstraint(
                fields=["case", "email"],
                condition=Q(accepted_at__isnull=True, superseded_at__isnull=True),
                name="invitation_one_live_per_case_email",
            ),
        )

    def __str__(self) -> str:
        return f"{self.email} → case {self.case_id} ({self.state()})"

    def state(self, now: datetime | None = None) -> str:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.superseded_at is not None:
            return InvitationState.SUPERSEDED
        if (now or timezone.now()) >= self.expires_at:
            return InvitationState.EXPIRED
        if self.opened_at is not None:
            return InvitationState.OPENED
        return InvitationState.SENT

    @property
    def state_label(self) -> str:
        return InvitationState(self.state()).label


class ProfileSection(models.TextChoices):
    """The sections of the company profile a client fills in, one form each (the contract's top-level
    objects, and the license-specific facts of the company's licenses under ``extensions``)."""

    COMPANY = "company", "公司信息 Company"
    SERVICE = "service", "服务 Service"
    READINESS = "readiness", "准备情况 Readiness"
    EXTENSIONS = "extensions", "许可证专项信息 License-specific facts"


class ProfileDraft(models.Model):
    """What a client typed into one profile section, kept apart from the company's validated profile
    until the section is submitted — so a half-filled section never breaks the profile the eligibility
    check and the staff work from. ``data`` is the form input exactly as typed (field name → text or
    list of texts), so a rejected submission shows the same values again."""

    company = models.ForeignKey(
        "cases.ClientCompany",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="profile_drafts",
    )
    section = models.CharField(_("section"), max_length=20, choices=ProfileSection.choices)
    data = models.JSONField(_("draft input"), default=dict)
    base_version = models.PositiveIntegerField(
        _("profile version"), help_text="The company profile version the draft was typed on."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("profile draft")
        verbose_name_plural = _("profile drafts")
        constraints = (
            models.UniqueConstraint(fields=["company", "section"], name="profile_draft_company_section_uniq"),
        )

    def __str__(self) -> str:
        return f"{self.company_id} · {self.section}"

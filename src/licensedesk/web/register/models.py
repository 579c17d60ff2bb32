"""What the register keeps beside the license rows (``cases.LicenseRecord``): the proof each licensed
service was launched and the change filings a profile edit proposed.

Rows are written only by :mod:`licensedesk.web.register.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LaunchKind(models.TextChoices):
    WEBSITE_LIVE = "website_live", _("website live")
    FIRST_CUSTOMER = "first_paying_customer", _("first paying customer")


class LaunchProof(models.Model):
    """Proof that a licensed service was actually launched (a website live at a URL, a first paying
    customer), from the day the certificate was recorded: a renewal covers only launched services
    (domain facts §1.7, 电信业务经营许可管理办法 on renewal)."""

    license = models.ForeignKey(
        "cases.LicenseRecord", verbose_name=_("license"), on_delete=models.PROTECT, related_name="launches"
    )
    service_id = models.CharField(_("service"), max_length=40)
    kind = models.CharField(_("proof"), max_length=30, choices=LaunchKind.choices)
    url = models.URLField(_("URL"), max_length=300, blank=True)
    occurred_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proof of launch")
        verbose_name_plural = _("proofs of launch")
        ordering = ("occurred_on", "pk")
        indexes = (models.Index(fields=["license", "service_id"], name="launch_license_service_idx"),)


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("open")
    STARTED = "started", _("change case started")
    DISMISSED = "dismissed", _("dismissed")


class ChangeProposal(models.Model):
    """A change filing a profile edit made necessary: one row per catalog rule (``change_filings``) the
    edited fields trigger, with that rule's due date and certainty. Two rules on the same edit (30 days
    after, 90 days before) are two rows: both are shown, none is chosen in code."""

    license = models.ForeignKey(
        "cases.LicenseRecord",
        verbose_name=_("license"),
        on_delete=models.PROTECT,
        related_name="change_proposals",
    )
    rule_id = models.CharField(_("rule"), max_length=40)
    fields = models.JSONField(_("changed fields"), default=list)
    changed_on = models.DateField(_("changed on"))
    due_on = models.DateField(_("due on"))
    # the last day moved off a rest day in a year without a published holiday arrangement (weekends
    # alone were skipped): shown as approximate, never silently
    due_approximate = models.BooleanField(_("due date approximate"), default=False)
    certainty = models.CharField(_("certainty"), max_length=1)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("change case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proposed change filing")
        verbose_name_plural = _("proposed change filings")
        ordering = ("due_on", "pk")
        indexes = (models.Index(fields=["license", "status"], name="proposal_license_status_idx"),)

"""A case's material checklist, the uploaded versions of each material and their files, and review rounds.

Rows are written only by :mod:`licensedesk.web.materials.services`. Nothing uploaded is ever deleted:
a material that stops being required is marked so, and a re-upload adds a version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MaterialStatus(models.TextChoices):
    MISSING = "missing", _("Missing")
    UPLOADED = "uploaded", _("Uploaded")
    UNDER_REVIEW = "under_review", _("Under review")
    REJECTED = "rejected", _("Rejected")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class ScanStatus(models.TextChoices):
    CLEAN = "clean", _("Scanned, clean")
    NOT_SCANNED = "not_scanned", _("Not scanned")


class CaseMaterial(models.Model):
    """One line of a case's checklist: a material of the case's rule version, as the latest stored
    eligibility check describes it for the company's profile (required or not, and why).

    ``in_rules`` is False once a check no longer lists the material at all; ``required`` follows the
    latest check. ``latest_version`` is the newest upload (what the status is about); ``accepted_until``
    the last day its acceptance holds under the catalog's date rules (None: no end).
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="materials"
    )
    material_id = models.CharField(_("material code"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    required = models.BooleanField(_("required"), default=True)
    in_rules = models.BooleanField(_("in the rules"), default=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    because_zh = models.TextField(_("why (Chinese)"), blank=True)
    because_en = models.TextField(_("why (English)"), blank=True)
    basis = models.CharField(_("legal basis"), max_length=30, blank=True)
    citation = models.CharField(_("citation"), max_length=300, blank=True)
    guidance_zh = models.TextField(_("guidance (Chinese)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    file_kinds = models.JSONField(_("file types"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=MaterialStatus.choices, default=MaterialStatus.MISSING
    )
    status_changed_at = models.DateTimeField(_("status changed at"))
    latest_version = models.ForeignKey(
        "MaterialVersion",
        verbose_name=_("latest version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_until = models.DateField(_("accepted until"), null=True, blank=True)
    synced_check = models.ForeignKey(
        "cases.CaseCheck",
        verbose_name=_("eligibility check"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")
        ordering = ("case", "position", "pk")
        constraints = (models.UniqueConstraint(fields=["case", "material_id"], name="case_material_uniq"),)
        indexes = (models.Index(fields=["case", "required", "status"], name="material_case_status_idx"),)

    def __str__(self) -> str:
        return f"{self.title_zh} ({self.status})"


class ReviewRound(models.Model):
    """A reviewer's pass over a case's uploads. Decisions made while it is open belong to it; finishing
    it sends the client one email listing everything to redo and shows the rejections in the portal."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="review_rounds"
    )
    number = models.PositiveIntegerField(_("number"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finished by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    emailed_to = models.JSONField(_("emailed to"), default=list, blank=True)

    class Meta:
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        ordering = ("case", "number")
        constraints = (
            models.UniqueConstraint(fields=["case", "number"], name="review_round_case_number_uniq"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(finished_at__isnull=True), name="review_round_one_open_per_case"
            ),
        )

    def __str__(self) -> str:
        return f"round {self.number}"


class MaterialVersion(models.Model):
    """One upload of a material (one or several files, reviewed together). Review fields hold the
    decision on it: a reason from :mod:`licensedesk.web.materials.reasons` when rejected; the dates read
    off the document and the fields confirmed from it when accepted."""

    material = models.ForeignKey(
        CaseMaterial, verbose_name=_("material"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version number"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    review_status = models.CharField(
        _("review status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reason = models.CharField(_("rejection reason"), max_length=30, blank=True)
    reason_text = models.TextField(_("explanation"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_round = models.ForeignKey(
        ReviewRound,
        verbose_name=_("review round"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="versions",
    )
    document_date = models.DateField(_("document date"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    long_term = models.BooleanField(_("valid long-term"), default=False)
    accepted_until = models.DateField(_("accepted until"), null=True, blank=True)
    confirmed = models.JSONField(_("confirmed fields"), default=dict, blank=True)
    #: PDFs of this upload with active content, as ``[{"file": name, "kinds": ["javascript", …]}]``
    #: (:func:`licensedesk.core.filecheck.pdf_active_content`): accepted, but the reviewer and the client
    #: are warned on every screen showing the version
    active_content = models.JSONField(_("active content"), default=list, blank=True)

    class Meta:
        verbose_name = _("material version")
        verbose_name_plural = _("material versions")
        ordering = ("material", "-number")
        constraints = (
            models.UniqueConstraint(fields=["material", "number"], name="material_version_number_uniq"),
        )

    def __str__(self) -> str:
        return f"v{self.number} ({self.review_status})"


class MaterialFile(models.Model):
    """One stored file. ``storage_name`` is content-addressed (``sha256[:2]/sha256``) in the default
    storage; ``original_name`` is kept for display and download only."""

    version = models.ForeignKey(
        MaterialVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="files"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    original_name = models.CharField(_("file name"), max_length=255)
    storage_name = models.CharField(_("stored as"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    kind = models.CharField(_("file type"), max_length=10)
    content_type = models.CharField(_("content type"), max_length=100)
    details = models.JSONField(_("details"), default=dict, blank=True)
    scan_status = models.CharField(_("virus scan"), max_length=20, choices=ScanStatus.choices)
    scan_detail = models.CharField(_("virus scan detail"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("material file")
        verbose_name_plural = _("material files")
        ordering = ("version", "position", "pk")
        indexes = (models.Index(fields=["sha256"], name="material_file_sha256_idx"),)

    def __str__(self) -> str:
        return self.original_name

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

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="materials")
    material_id = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(default=True)
    in_rules = models.BooleanField(default=True)
    title_zh = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    because_zh = models.TextField(blank=True)
    because_en = models.TextField(blank=True)
    basis = models.CharField(max_length=30, blank=True)
    citation = models.CharField(max_length=300, blank=True)
    guidance_zh = models.TextField(blank=True)
    guidance_en = models.TextField(blank=True)
    file_kinds = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=MaterialStatus.choices, default=MaterialStatus.MISSING)
    status_changed_at = models.DateTimeField()
    latest_version = models.ForeignKey(
        "MaterialVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_until = models.DateField(null=True, blank=True)
    synced_check = models.ForeignKey(
        "cases.CaseCheck", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "案件材料 case material"
        verbose_name_plural = "案件材料 case materials"
        ordering = ("case", "position", "pk")
        constraints = (models.UniqueConstraint(fields=["case", "material_id"], name="case_material_uniq"),)
        indexes = (models.Index(fields=["case", "required", "status"], name="material_case_status_idx"),)

    def __str__(self) -> str:
        return f"{self.title_zh} ({self.status})"


class ReviewRound(models.Model):
    """A reviewer's pass over a case's uploads. Decisions made while it is open belong to it; finishing
    it sends the client one email listing everything to redo and shows the rejections in the portal."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="review_rounds")
    number = models.PositiveIntegerField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    emailed_to = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "审核轮次 review round"
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

    material = models.ForeignKey(CaseMaterial, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    review_status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reason = models.CharField(max_length=30, blank=True)
    reason_text = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_round = models.ForeignKey(
        ReviewRound, on_delete=models.PROTECT, null=True, blank=True, related_name="versions"
    )
    document_date = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    long_term = models.BooleanField(default=False)
    accepted_until = models.DateField(null=True, blank=True)
    confirmed = models.JSONField(default=dict, blank=True)
    #: PDFs of this upload with active content, as ``[{"file": name, "kinds": ["javascript", …]}]``
    #: (:func:`licensedesk.core.filecheck.pdf_active_content`): accepted, but the reviewer and the client
    #: are warned on every screen showing the version
    active_content = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "材料版本 material version"
        ordering = ("material", "-number")
        constraints = (
            models.UniqueConstraint(fields=["material", "number"], name="material_version_number_uniq"),
        )

    def __str__(self) -> str:
        return f"v{self.number} ({self.review_status})"


class MaterialFile(models.Model):
    """One stored file. ``storage_name`` is content-addressed (``sha256[:2]/sha256``) in the default
    storage; ``original_name`` is kept for display and download only."""

    version = models.ForeignKey(MaterialVersion, on_delete=models.PROTECT, related_name="files")
    position = models.PositiveSmallIntegerField(default=0)
    original_name = models.CharField(max_length=255)
    storage_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    details = models.JSONField(default=dict, blank=True)
    scan_status = models.CharField(max_length=20, choices=ScanStatus.choices)
    scan_detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "材料文件 material file"
        ordering = ("version", "position", "pk")
        indexes = (models.Index(fields=["sha256"], name="material_file_sha256_idx"),)

    def __str__(self) -> str:
        return self.original_name

"""What the documents app keeps per case: the case data the documents need beyond the company profile,
the generation jobs (run in the background), the files they produced and the submission bundles.

Rows are written only by :mod:`licensedesk.web.documents.services`. Files live in Django's default
storage under content-addressed names (as material files do, :mod:`licensedesk.web.materials.storage`)
and are served only through the permission-checked download views.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy


class CaseDocumentData(models.Model):
    """The case file of :mod:`licensedesk.core.documents.case` (agency, fee, dates, site, premises …)
    for one case, without ``schema_version``/``license`` (the case supplies those). ``version`` grows
    with every save: an edit made on an older copy is refused."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="document_data")
    data = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "文件数据 case document data"
        verbose_name_plural = "文件数据 case document data"


class JobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("generation job", "Queued")
    RUNNING = "running", pgettext_lazy("generation job", "Running")
    DONE = "done", pgettext_lazy("generation job", "Done")
    FAILED = "failed", pgettext_lazy("generation job", "Failed")
    # Its process stopped (killed, restarted, crashed) while it was queued or running: no heartbeat came
    # for ``JOB_HEARTBEAT_TIMEOUT_SECONDS`` (see :mod:`licensedesk.web.documents.heartbeat`).
    INTERRUPTED = "interrupted", pgettext_lazy("generation job", "Interrupted")


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class GenerationJob(models.Model):
    """One request to generate documents (all of them, or ``only`` some) and optionally the bundle.

    ``total`` counts the steps (one per document, one for the bundle), ``done_count`` those finished.
    A failed job keeps its error: the code, both messages and, for missing data, ``missing`` (document
    id → the field paths it lacks). ``heartbeat_at`` is refreshed every few seconds by the process that
    holds the job (queued on its thread pool, or running): when it stops coming the process is gone and
    the job is marked ``interrupted`` instead of blocking the case."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="generation_jobs")
    only = models.JSONField(default=list, blank=True)
    bundle = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveSmallIntegerField(default=0)
    done_count = models.PositiveSmallIntegerField(default=0)
    backend = models.CharField(max_length=10, default="thread")
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    error_message_zh = models.TextField(blank=True)
    missing = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "生成任务 generation job"
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["case", "-created_at"], name="genjob_case_created_idx"),)
        constraints = (
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["queued", "running"]),
                name="genjob_one_active_per_case",
            ),
        )

    def __str__(self) -> str:
        return f"job {self.pk} ({self.status})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class GeneratedDocument(models.Model):
    """One generated document (its DOCX and PDF). ``current`` marks the newest of each document id of a
    case: what the case page lists and the client may download."""

    job = models.ForeignKey(GenerationJob, on_delete=models.PROTECT, related_name="documents")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="generated_documents")
    document_id = models.CharField(max_length=60)
    material_id = models.CharField(max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    signed = models.BooleanField(default=False, help_text="Signed by the legal representative.")
    docx_name = models.CharField(max_length=200)
    docx_sha256 = models.CharField(max_length=64)
    docx_size = models.PositiveBigIntegerField()
    pdf_name = models.CharField(max_length=200)
    pdf_sha256 = models.CharField(max_length=64)
    pdf_size = models.PositiveBigIntegerField()
    current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "生成文件 generated document"
        ordering = ("case", "position", "pk")
        indexes = (models.Index(fields=["case", "current"], name="gendoc_case_current_idx"),)
        constraints = (
            models.UniqueConstraint(
                fields=["case", "document_id"], condition=Q(current=True), name="gendoc_one_current_per_id"
            ),
        )

    def __str__(self) -> str:
        return self.title_zh


class SubmissionBundle(models.Model):
    """A submission bundle (zip) with its manifest, built from the accepted materials and the
    documents generated by the same job."""

    job = models.OneToOneField(GenerationJob, on_delete=models.PROTECT, related_name="submission_bundle")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="submission_bundles")
    storage_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    manifest = models.JSONField()
    warnings = models.JSONField(default=list, blank=True)
    #: when the bundle was built: the manifest's time; built again with it, the same inputs give the
    #: same bytes. Empty for bundles built before it was kept (their manifest said the case's date).
    built_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "提交材料包 submission bundle"
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["case", "-created_at"], name="bundle_case_created_idx"),)

    def __str__(self) -> str:
        return f"bundle {self.sha256[:12]}"


class AgencyTemplate(models.Model):
    """An agency's own DOCX template for one document of a license, used instead of the shipped one
    while ``active``. Uploads are kept (inactive) after being replaced or deactivated so that the audit
    trail's hashes still name a file that can be looked at. The DOCX is stored content-addressed like
    the generated files."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="document_templates")
    license_id = models.CharField(max_length=40)
    document_id = models.CharField(max_length=60)
    storage_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "机构文件模板 agency document template"
        ordering = ("license_id", "document_id", "-uploaded_at", "-pk")
        indexes = (models.Index(fields=["agency", "active"], name="agencytpl_agency_active_idx"),)
        constraints = (
            models.UniqueConstraint(
                fields=["agency", "license_id", "document_id"],
                condition=Q(active=True),
                name="agencytpl_one_active_per_document",
            ),
        )

    def __str__(self) -> str:
        return f"{self.document_id} ({self.original_name})"

"""Client companies, cases and what hangs off a case (checks, overrides, notes, tasks, license record).

Rows are written only by :mod:`licensedesk.web.cases.services`; nothing here holds business rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ClientCompany(models.Model):
    """A client company of an agency. ``profile`` is the company profile in the contract format
    (``company-profile.schema.json``, as ``CompanyProfile.to_contract()`` returns it); ``name``, ``uscc``,
    ``province`` and ``entity_type`` are copied out of it for search, filters and indexes."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="companies")
    profile = models.JSONField("企业档案 profile")
    name = models.CharField("名称 name", max_length=200)
    uscc = models.CharField("统一社会信用代码 USCC", max_length=18, blank=True)
    province = models.CharField("省份 province", max_length=5, blank=True)
    entity_type = models.CharField("主体类型 entity type", max_length=40, blank=True)
    profile_hash = models.CharField(max_length=64, help_text="SHA-256 of the canonical profile JSON.")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "客户企业 client company"
        verbose_name_plural = "客户企业 client companies"
        ordering = ("name",)
        indexes = (
            models.Index(fields=["agency", "name"], name="company_agency_name_idx"),
            models.Index(fields=["agency", "uscc"], name="company_agency_uscc_idx"),
            models.Index(fields=["agency", "province"], name="company_agency_province_idx"),
        )
        constraints = (
            models.UniqueConstraint(
                fields=["agency", "uscc"], condition=~Q(uscc=""), name="company_agency_uscc_uniq"
            ),
        )

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """One application: a company × a license × the rule version in force when the case was opened.

    ``stage`` is a stage id of that rule version's workflow. ``version`` increases with every change of
    the case row: writers pass the version they read and lose (``case.changed``) if it moved on.
    """

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="cases")
    company = models.ForeignKey(ClientCompany, on_delete=models.PROTECT, related_name="cases")
    license_id = models.CharField("许可证 license", max_length=40)
    ruleset_version = models.CharField("规则版本 rule version", max_length=40)
    stage = models.CharField("阶段 stage", max_length=40)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consulted_cases",
        verbose_name="顾问 consultant",
    )
    version = models.PositiveIntegerField(default=1)
    opened_on = models.DateField("立案日期 opened on")
    target_date = models.DateField("目标日期 target date", null=True, blank=True)
    stage_entered_at = models.DateTimeField()
    stage_due_on = models.DateField(
        "阶段期限 stage due on", null=True, blank=True, help_text="From the rule version's time limits."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "案件 case"
        verbose_name_plural = "案件 cases"
        ordering = ("-updated_at", "-pk")
        indexes = (
            # The list filtered by stage (and consultant), in the list's order: a page is the first rows
            # of the index, however many cases the filter matches.
            models.Index(fields=["agency", "stage", "-updated_at", "-id"], name="case_agency_stage_list_idx"),
            models.Index(
                fields=["agency", "consultant", "stage", "-updated_at", "-id"],
                name="case_agency_cons_list_idx",
            ),
            models.Index(fields=["agency", "-updated_at"], name="case_agency_updated_idx"),
            models.Index(fields=["agency", "stage_due_on"], name="case_agency_due_idx"),
            models.Index(fields=["company", "license_id"], name="case_company_license_idx"),
            # The board: open cases by stage, newest activity first. Its per-stage counts and per-stage
            # top cards read this index only (the closed history, most of the table, is not in it).
            models.Index(
                fields=["agency", "license_id", "stage", "-updated_at", "-id"],
                condition=Q(closed_at__isnull=True),
                name="case_board_open_idx",
            ),
        )
        constraints = (
            models.UniqueConstraint(
                fields=["company", "license_id"],
                condition=Q(closed_at__isnull=True),
                name="case_one_open_per_company_license",
            ),
        )

    def __str__(self) -> str:
        """Company · license · stage, in words (the admin's titles and links show it)."""
        from licensedesk.web.cases.display import license_name, stage_title  # display reads the models

        return f"{self.company} · {license_name(self.license_id)} · {stage_title(self)}"


class CaseCheck(models.Model):
    """A stored eligibility check: the full check result, the rule version applied and the hash of the
    profile it was run on (a later profile edit makes the check stale). ``profile`` keeps the profile
    itself, so "what changed since the last check" can name the fields (None on checks stored before
    snapshots were kept)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="checks")
    result = models.JSONField()
    verdict = models.CharField(max_length=20)
    license_id = models.CharField(max_length=40)
    ruleset_version = models.CharField(max_length=40)
    as_of = models.DateField()
    profile_hash = models.CharField(max_length=64)
    profile = models.JSONField("检查时的企业档案 profile checked", null=True, blank=True)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "资格检查 eligibility check"
        verbose_name_plural = "资格检查 eligibility checks"
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["case", "-created_at"], name="check_case_created_idx"),)

    def __str__(self) -> str:
        return f"{self.verdict} ({self.ruleset_version}, {self.as_of})"


class GuardOverride(models.Model):
    """An agency admin's written decision to let a case past a guard (only overridable guards)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="guard_overrides")
    guard_id = models.CharField(max_length=40)
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "门槛豁免 guard override"
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["case", "guard_id"], name="override_case_guard_idx"),)


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", "内部 Internal"
    CLIENT = "client", "客户可见 Shared with client"


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    visibility = models.CharField(
        max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "备注 note"
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["case", "-created_at"], name="note_case_created_idx"),)


class Task(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "任务 task"
        ordering = ("done_at", "due_on", "pk")
        indexes = (
            models.Index(fields=["case", "done_at"], name="task_case_done_idx"),
            models.Index(fields=["assignee", "done_at", "due_on"], name="task_assignee_open_idx"),
        )


class LicenseRecord(models.Model):
    """The license the authority issued for a case (needed to enter the ``license_record`` guard's stage)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="license_record")
    number = models.CharField("许可证编号 number", max_length=60)
    issued_on = models.DateField("发证日期 issued on")
    expires_on = models.DateField("有效期至 expires on")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "许可证记录 license record"
        indexes = (models.Index(fields=["number"], name="license_record_number_idx"),)

    def __str__(self) -> str:
        return self.number

"""Client companies, cases and what hangs off a case (checks, overrides, notes, tasks, license record).

Rows are written only by :mod:`licensedesk.web.cases.services`; nothing here holds business rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ClientCompany(models.Model):
    """A client company of an agency. ``profile`` is the company profile in the contract format
    (``company-profile.schema.json``, as ``CompanyProfile.to_contract()`` returns it); ``name``, ``uscc``,
    ``province`` and ``entity_type`` are copied out of it for search, filters and indexes."""

    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="companies"
    )
    profile = models.JSONField(_("profile"))
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("USCC"), max_length=18, blank=True)
    province = models.CharField(_("province"), max_length=5, blank=True)
    entity_type = models.CharField(_("entity type"), max_length=40, blank=True)
    profile_hash = models.CharField(
        _("profile hash"), max_length=64, help_text=_("SHA-256 of the canonical profile JSON.")
    )
    version = models.PositiveIntegerField(_("edit version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("client company")
        verbose_name_plural = _("client companies")
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

    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="cases"
    )
    company = models.ForeignKey(
        ClientCompany, verbose_name=_("company"), on_delete=models.PROTECT, related_name="cases"
    )
    # The agency's case number (``PC-2026-0001``), given once at creation from the agency's format and
    # its per-year sequence (:class:`CaseNumberSequence`); never changed afterwards.
    number = models.CharField(_("case number"), max_length=60, blank=True)
    license_id = models.CharField(_("license"), max_length=40)
    # What the case does for the license: the first application, or a duty of a license already held
    # (``annual_report``, ``change``, ``renewal``; see ``licensedesk.web.register``), then on
    # ``subject_license``.
    case_type = models.CharField(_("case type"), max_length=20, default="application")
    subject_license = models.ForeignKey(
        "cases.LicenseRecord",
        verbose_name=_("license concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_cases",
    )
    # For a duty case: which duty of ``subject_license`` it answers (the register's duty period: the
    # year an annual report covers, the expiry a renewal is for, the change proposal) and what was
    # prefilled from the license and the company profile when it was started (shown on the case page).
    duty_period = models.CharField(_("duty"), max_length=60, blank=True)
    duty_details = models.JSONField(_("prefilled details"), default=dict, blank=True)
    ruleset_version = models.CharField(_("rule version"), max_length=40)
    stage = models.CharField(_("stage"), max_length=40)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consulted_cases",
        verbose_name=_("consultant"),
    )
    version = models.PositiveIntegerField(_("edit version"), default=1)
    opened_on = models.DateField(_("opened on"))
    target_date = models.DateField(_("target date"), null=True, blank=True)
    stage_entered_at = models.DateTimeField(_("stage entered at"))
    stage_due_on = models.DateField(
        _("stage due on"), null=True, blank=True, help_text=_("From the rule version's time limits.")
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = pgettext_lazy("model", "cases")  # "cases" alone counts cases: "件案件"
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
                fields=["company", "license_id", "case_type"],
                condition=Q(closed_at__isnull=True),
                name="case_one_open_per_company_license",
            ),
            # Empty only on rows inserted around the service (bulk benchmark data); every case the
            # service opens and every case the 0005 migration found has one.
            models.UniqueConstraint(
                fields=["agency", "number"], condition=~Q(number=""), name="case_agency_number_uniq"
            ),
        )

    def __str__(self) -> str:
        """Company · license · stage, in words (the admin's titles and links show it)."""
        from licensedesk.web.cases.display import license_name, stage_title  # display reads the models

        return f"{self.company} · {license_name(self.license_id)} · {stage_title(self)}"


class CaseNumberSequence(models.Model):
    """The last sequence number handed out per agency and year (``year`` 0 when the agency's format has
    no ``{year}``: then the sequence never restarts). Read and bumped under a row lock by ``case_create``,
    so two cases opened at the same moment never get the same number."""

    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case-number sequence")
        verbose_name_plural = _("case-number sequences")
        constraints = (
            models.UniqueConstraint(fields=["agency", "year"], name="case_number_seq_agency_year_uniq"),
        )


class CaseCheck(models.Model):
    """A stored eligibility check: the full check result, the rule version applied and the hash of the
    profile it was run on (a later profile edit makes the check stale). ``profile`` keeps the profile
    itself, so "what changed since the last check" can name the fields (None on checks stored before
    snapshots were kept)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="checks")
    result = models.JSONField(_("result"))
    verdict = models.CharField(_("verdict"), max_length=20)
    license_id = models.CharField(_("license"), max_length=40)
    ruleset_version = models.CharField(_("rule version"), max_length=40)
    as_of = models.DateField(_("as of"))
    profile_hash = models.CharField(_("profile hash"), max_length=64)
    profile = models.JSONField(_("profile checked"), null=True, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility check")
        verbose_name_plural = _("eligibility checks")
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["case", "-created_at"], name="check_case_created_idx"),)

    def __str__(self) -> str:
        return f"{self.verdict} ({self.ruleset_version}, {self.as_of})"


class GuardOverride(models.Model):
    """An agency admin's written decision to let a case past a guard (only overridable guards)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="guard_overrides"
    )
    guard_id = models.CharField(_("requirement"), max_length=40)
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("guard override")
        verbose_name_plural = _("guard overrides")
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["case", "guard_id"], name="override_case_guard_idx"),)


class NoteVisibility(models.TextChoices):
    INTERNAL = "internal", "内部 Internal"
    CLIENT = "client", "客户可见 Shared with client"


class Note(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("text"))
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.INTERNAL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=["case", "-created_at"], name="note_case_created_idx"),)


class Task(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ("done_at", "due_on", "pk")
        indexes = (
            models.Index(fields=["case", "done_at"], name="task_case_done_idx"),
            models.Index(fields=["assignee", "done_at", "due_on"], name="task_assignee_open_idx"),
        )


class LicenseStatus(models.TextChoices):
    """A license's status in the register. ``valid``, ``renewal_due`` and ``expired`` are derived from
    the dates (``licensedesk.web.register.status``); ``revoked`` and ``cancelled`` are set by staff with
    a date and a reason (stored in :attr:`LicenseRecord.ended_status`)."""

    VALID = "valid", _("valid")
    RENEWAL_DUE = "renewal_due", _("renewal due")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")
    CANCELLED = "cancelled", _("cancelled")


class LicenseSource(models.TextChoices):
    CASE = "case", _("obtained through a case")
    MANUAL = "manual", _("entered by hand")


class LicenseRecord(models.Model):
    """A license a client company holds: the register's row. Recorded from a case (needed to enter the
    ``license_record`` guard's stage) or entered by hand for a license obtained elsewhere (``case`` empty).

    ``agency`` and ``company`` carry the tenancy on their own so a license without a case is scoped like
    any other row. ``services`` holds the catalog's service codes, ``websites`` and ``apps`` what the
    license covers. Only the statuses staff set are stored (``ended_status``, with a date and a reason):
    valid, renewal due and expired follow from the dates and are never stale."""

    agency = models.ForeignKey(
        "accounts.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="licenses"
    )
    company = models.ForeignKey(
        ClientCompany, verbose_name=_("company"), on_delete=models.PROTECT, related_name="licenses"
    )
    case = models.OneToOneField(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="license_record",
        null=True,
        blank=True,
    )
    source = models.CharField(
        _("source"), max_length=10, choices=LicenseSource.choices, default=LicenseSource.CASE
    )
    license_id = models.CharField(_("license"), max_length=40)
    number = models.CharField(_("license number"), max_length=60)
    authority = models.CharField(_("issuing authority"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"))
    # empty for a license without a fixed term (an ICP filing, a travel agency's license): it stays valid
    # until cancelled and has no renewal
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True)
    websites = models.JSONField(_("websites"), default=list, blank=True)
    apps = models.JSONField(_("apps"), default=list, blank=True)
    ended_status = models.CharField(
        _("status set by staff"),
        max_length=10,
        blank=True,
        choices=[
            (LicenseStatus.REVOKED.value, LicenseStatus.REVOKED.label),
            (LicenseStatus.CANCELLED.value, LicenseStatus.CANCELLED.label),
        ],
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_reason = models.TextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("edit version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("license record")
        verbose_name_plural = _("license records")
        ordering = ("expires_on", "pk")
        indexes = (
            models.Index(fields=["number"], name="license_record_number_idx"),
            models.Index(fields=["agency", "expires_on"], name="license_agency_expiry_idx"),
            models.Index(fields=["company", "expires_on"], name="license_company_expiry_idx"),
        )

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """A dated event with the authority recorded with a stage move (online submission and its receipt
    number, paper delivery and its tracking number, the acceptance notice, a correction request, the
    decision), or the undo of a move. ``occurred_on`` is the day it happened, not the day it was typed in:
    the statutory clocks count from it. ``reference`` holds the fields the catalog's ``records`` declaration
    of the transition asks for (validated against it by the service). Rows are never edited: an undo is a
    new row (``kind="move_undone"``) pointing at the event it undoes through ``undoes``."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event kind"), max_length=40)
    from_stage = models.CharField(_("from stage"), max_length=40)
    to_stage = models.CharField(_("to stage"), max_length=40)
    occurred_on = models.DateField(_("occurred on"))
    reference = models.JSONField(_("reference"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    audit_event = models.ForeignKey(
        "audit.AuditEvent",
        verbose_name=_("audit event"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    undoes = models.ForeignKey(
        "self",
        verbose_name=_("undoes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="undone_by",
    )

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ("occurred_on", "recorded_at", "pk")
        indexes = (
            models.Index(fields=["case", "occurred_on", "recorded_at"], name="caseevent_case_date_idx"),
            models.Index(fields=["case", "kind"], name="caseevent_case_kind_idx"),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_on}"

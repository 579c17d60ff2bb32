"""Inbox items (one per recipient and event) and each staff user's email preference.

An item points at the object that caused it by ``source_type`` (``app_label.model``) and ``source_id``,
so the inbox can lead to it without a foreign key to every app. ``recipient`` is the case's consultant;
an item of a case with no consultant has no recipient and belongs to the agency's admins (and to the
consultant assigned later). A deadline reminder (:mod:`licensedesk.web.reminders`) points at its sent-log
row, leads to ``link`` (the case or the license) and may have no case (a license entered by hand).
Rows are written only by :mod:`licensedesk.web.inbox.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class InboxKind(models.TextChoices):
    UPLOAD = "upload", "客户上传材料 Client upload"
    MESSAGE = "message", "客户留言 Client message"
    PROFILE_CHANGE = "profile_change", "客户修改了企业档案 Client changed the company profile"
    TASK_OVERDUE = "task_overdue", "逾期任务 Overdue task"
    REMINDER = "reminder", "截止日期提醒 Deadline reminder"


# The kinds the recipient is told of by email (immediately or in the daily digest).
EMAILED_KINDS = frozenset({InboxKind.UPLOAD, InboxKind.MESSAGE})


class InboxItem(models.Model):
    """Something that needs a staff user's attention, unread until they open it."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbox_items",
        verbose_name="收件人 recipient",
    )
    kind = models.CharField("类型 kind", max_length=20, choices=InboxKind.choices)
    # Null for a reminder of a license entered by hand (no case): ``company`` and ``link`` say what it is.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="inbox_items"
    )
    company = models.ForeignKey(
        "cases.ClientCompany", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    link = models.CharField(max_length=300, blank=True, help_text="Path of the page the item leads to.")
    source_type = models.CharField(max_length=60, help_text="app_label.model of the object it is about.")
    source_id = models.PositiveBigIntegerField()
    summary_zh = models.CharField("摘要 summary", max_length=200, blank=True)
    summary_en = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField("时间 created at")
    read_at = models.DateTimeField("已读 read at", null=True, blank=True)
    resolved = models.BooleanField(
        "已处理 dealt with", default=False, help_text="Read because what it asked for was done."
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "收件箱条目 inbox item"
        verbose_name_plural = "收件箱条目 inbox items"
        ordering = ("-created_at", "-pk")
        indexes = (
            models.Index(fields=["recipient", "read_at"], name="inbox_recipient_read_idx"),
            models.Index(fields=["agency", "recipient", "read_at"], name="inbox_agency_unassigned_idx"),
            models.Index(fields=["emailed_at", "kind"], name="inbox_emailed_idx"),
        )
        constraints = (
            # An event is in the inbox once (a job creating overdue-task items may run any number of
            # times); a profile change is per case, each change its own item.
            models.UniqueConstraint(
                fields=["kind", "source_type", "source_id", "case"],
                condition=~Q(kind="profile_change"),
                name="inbox_item_once_per_source",
            ),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.summary_zh}"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "每条即时发邮件 An email for each item, at once"
    DIGEST = "digest", "每日汇总一封 One digest a day"


class InboxPreference(models.Model):
    """How a staff user wants to hear of new items by email. No row: immediately."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_preference"
    )
    email_mode = models.CharField(
        "邮件提醒 email", max_length=20, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "收件箱设置 inbox preference"
        verbose_name_plural = "收件箱设置 inbox preferences"

    def __str__(self) -> str:
        return f"{self.user} · {self.email_mode}"

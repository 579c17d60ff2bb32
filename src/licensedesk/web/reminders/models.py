"""What the reminders keep: each agency's reminder days, the log of reminders sent, and the calendar
feed tokens. Rows are written only by :mod:`licensedesk.web.reminders.services`.

The sent log is what makes the job idempotent: a reminder is one row per (deadline, due date, reminder
day, recipient, channel), unique, written in the same transaction as the inbox item it creates or the
email it decides to send. A second run (or a second process running the job at the same time) hits the
constraint and sends nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

DEFAULT_DAYS_BEFORE: tuple[int, ...] = (30, 7, 1)


class ReminderSetting(models.Model):
    """How many days before a due date the agency's people are reminded. No row: 30, 7 and 1."""

    agency = models.OneToOneField(
        "accounts.Agency", on_delete=models.CASCADE, related_name="reminder_setting"
    )
    days_before = models.JSONField("提前天数 days before", default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "提醒设置 reminder setting"
        verbose_name_plural = "提醒设置 reminder settings"

    def __str__(self) -> str:
        return ", ".join(str(d) for d in self.days_before)


class Channel(models.TextChoices):
    EMAIL = "email", "邮件 Email"
    INBOX = "inbox", "收件箱 Inbox"


class SentReminder(models.Model):
    """One reminder given: of the deadline ``deadline_key`` due on ``due``, the ``days_before`` one, to
    ``recipient`` by ``channel``."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    deadline_key = models.CharField(max_length=120)
    due = models.DateField("截止日期 due")
    days_before = models.PositiveSmallIntegerField("提前天数 days before")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    title_zh = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    link = models.CharField(max_length=300, blank=True, help_text="Path of the deadline's page.")
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = "已发提醒 sent reminder"
        verbose_name_plural = "已发提醒 sent reminders"
        constraints = (
            models.UniqueConstraint(
                fields=["deadline_key", "due", "days_before", "recipient", "channel"],
                name="reminder_sent_once",
            ),
        )
        indexes = (models.Index(fields=["agency", "deadline_key", "due"], name="reminder_sent_key_idx"),)

    def __str__(self) -> str:
        return f"{self.title_zh} · {self.due} · {self.days_before}"


class CalendarFeed(models.Model):
    """A user's secret calendar address. Only the SHA-256 of its token is kept (the token is shown to
    the user once, when made); revoking sets ``revoked_at`` and the address answers 404 from then on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "日历订阅 calendar feed"
        verbose_name_plural = "日历订阅 calendar feeds"
        constraints = (
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="calendar_feed_one_active"
            ),
        )

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"

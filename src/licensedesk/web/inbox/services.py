"""Writes of the inbox.

Items are created by the services that make the events, inside their transaction (an upload that rolls
back leaves no item): :func:`inbox_item_create` from ``materials.services.material_upload``,
``cases.services.note_create`` and ``portal.services.profile_section_submit`` when a client acts, and
:func:`inbox_overdue_tasks` (a housekeeping task) for tasks past their due date.

Email: uploads and messages are emailed to the case's consultant after the transaction commits — at once,
or, when they chose the daily digest, by :func:`inbox_digest_send` (a housekeeping task). Each item is
emailed at most once: ``emailed_at`` is claimed by a conditional update before sending.

Items themselves are bookkeeping of events already on the audit trail (the upload, the note, the profile
change), so creating and reading them writes no audit row; a preference change and a digest sent do.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from licensedesk.core.errors import InvalidInput
from licensedesk.web.accounts.models import STAFF_ROLES, User
from licensedesk.web.accounts.roles import ensure_staff
from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases.models import Case, Task
from licensedesk.web.inbox import emails
from licensedesk.web.inbox.errors import item_not_found, mode_invalid
from licensedesk.web.inbox.models import EMAILED_KINDS, EmailMode, InboxItem, InboxKind, InboxPreference
from licensedesk.web.inbox.selectors import inbox_email_mode, inbox_item_get_for

logger = logging.getLogger(__name__)

SUMMARY_MAX = 200


def _source_type(source: Model) -> str:
    return f"{source._meta.app_label}.{source._meta.model_name}"


def _recipient(case: Case, wanted: User | None) -> User | None:
    """``wanted`` (else the case's consultant) when they are active staff of the case's agency: an item
    never goes to anyone else. None: the agency's admins see it."""
    user = wanted if wanted is not None else case.consultant
    if user is None or not user.is_active or user.agency_id != case.agency_id or user.role not in STAFF_ROLES:
        return None
    return user


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def inbox_item_create(
    *,
    kind: str,
    case: Case,
    source: Model,
    summary_zh: str,
    summary_en: str = "",
    recipient: User | None = None,
    now: datetime | None = None,
) -> InboxItem | None:
    """An unread item about ``source`` for ``recipient`` (default: the case's consultant). Called inside
    the transaction of the service that made the event. An event already in the inbox is not added
    again (None). Uploads and messages are emailed after the commit unless the recipient chose the
    digest."""
    if kind not in InboxKind.values:
        raise InvalidInput(
            f"Unknown inbox kind {kind!r}.", code="inbox.kind_invalid", message_zh="未知的事项类型。"
        )
    user = _recipient(case, recipient)
    try:
        with transaction.atomic():
            item = InboxItem.objects.create(
                agency_id=case.agency_id,
                recipient=user,
                kind=kind,
                case=case,
                source_type=_source_type(source),
                source_id=source.pk,
                summary_zh=_short(summary_zh),
                summary_en=_short(summary_en),
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        return None  # already there (the unique constraint): a job ran twice, a retried call
    if (
        kind in EMAILED_KINDS
        and user is not None
        and user.email
        and inbox_email_mode(user=user) == EmailMode.IMMEDIATE
    ):
        transaction.on_commit(lambda: _send_now(item.pk))
    return item


def inbox_reminder_create(
    *,
    agency_id: int,
    recipient: User | None,
    source: Model,
    company_id: int,
    case_id: int | None,
    link: str,
    summary_zh: str,
    summary_en: str,
    now: datetime,
) -> InboxItem:
    """A deadline reminder in ``recipient``'s inbox (None: the agency's admins'), pointing at the sent-log
    row ``source`` of :mod:`licensedesk.web.reminders`. Called inside the transaction writing that row,
    which is what keeps a reminder from being added twice; it is not emailed from here (the reminder
    job sends its own email)."""
    if recipient is not None and (
        recipient.agency_id != agency_id or recipient.role not in STAFF_ROLES or not recipient.is_active
    ):
        recipient = None
    return InboxItem.objects.create(
        agency_id=agency_id,
        recipient=recipient,
        kind=InboxKind.REMINDER,
        case_id=case_id,
        company_id=company_id,
        link=link,
        source_type=_source_type(source),
        source_id=source.pk,
        summary_zh=_short(summary_zh),
        summary_en=_short(summary_en),
        created_at=now,
    )


def _send_now(item_id: int) -> None:
    """Email one item to its recipient, once: the claim (``emailed_at``) comes first; a failed send
    gives it back so that it is not counted as sent."""
    now = timezone.now()
    if not InboxItem.objects.filter(pk=item_id, emailed_at__isnull=True).update(emailed_at=now):
        return
    item = InboxItem.objects.select_related("recipient", "case__company").get(pk=item_id)
    try:
        emails.item_message(item=item, to=item.recipient.email).send()
    except Exception:
        logger.exception("inbox: emailing item %s failed", item_id)
        InboxItem.objects.filter(pk=item_id).update(emailed_at=None)


def inbox_item_mark_read(*, item_id: int, actor: Any) -> InboxItem:
    """Mark one of ``actor``'s items read (opening it does); reading it again changes nothing. Another
    user's or agency's item is not found."""
    item = inbox_item_get_for(user=actor, item_id=item_id)
    if item is None:
        raise item_not_found(item_id)
    if item.read_at is None:
        now = timezone.now()
        InboxItem.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=now)
        item.read_at = now
    return item


def inbox_items_resolve(*, source: Model, now: datetime | None = None) -> int:
    """The thing an item asked attention for was dealt with (the upload reviewed, the task done): its
    unread items are marked read, for whoever holds them; how many. Called inside the transaction of
    the service that dealt with it."""
    return InboxItem.objects.filter(
        source_type=_source_type(source), source_id=source.pk, read_at__isnull=True
    ).update(read_at=now or timezone.now(), resolved=True)


def inbox_preference_set(*, actor: User, email_mode: str) -> InboxPreference:
    """Choose between an email per item and the daily digest. Switching to the digest starts its clock
    now, so the first digest comes at the next digest hour, not at once."""
    ensure_staff(actor, actor.agency_id, action="set inbox email options")
    if email_mode not in EmailMode.values:
        raise mode_invalid(email_mode)
    with transaction.atomic():
        preference, _ = InboxPreference.objects.select_for_update().get_or_create(user=actor)
        before = preference.email_mode
        if before == email_mode:
            return preference
        preference.email_mode = email_mode
        if email_mode == EmailMode.DIGEST and before != EmailMode.DIGEST:
            preference.last_digest_at = timezone.now()
        preference.save()
        audit_record(
            agency=actor.agency_id,
            actor=actor,
            action="inbox.preference_changed",
            target=preference,
            before={"email_mode": before},
            after={"email_mode": email_mode},
        )
    return preference


# -- jobs (housekeeping) ---------------------------------------------------------------------------------


def digest_slot(now: datetime) -> datetime:
    """The latest daily digest time (``INBOX_DIGEST_HOUR``, local, default 8) at or before ``now``."""
    hour = int(getattr(settings, "INBOX_DIGEST_HOUR", 8))
    local = timezone.localtime(now)
    slot = timezone.make_aware(datetime.combine(local.date(), time(hour=hour)), local.tzinfo)
    return slot if slot <= local else slot - timedelta(days=1)


def inbox_digest_send(*, now: datetime | None = None) -> int:
    """Send each digest user, once per day, one email with every upload and message item not emailed
    yet; how many emails went out. Idempotent: an item is marked emailed in the transaction that sends
    it, under a lock on the user's preference, so two runs never send it twice; after downtime the next
    run sends one digest with everything since the last."""
    now = now or timezone.now()
    slot = digest_slot(now)
    sent = 0
    user_ids = list(
        InboxPreference.objects.filter(email_mode=EmailMode.DIGEST, user__is_active=True)
        .exclude(user__email="")
        .values_list("user_id", flat=True)
    )
    for user_id in user_ids:
        with transaction.atomic():
            preference = (
                InboxPreference.objects.select_for_update().select_related("user").get(user_id=user_id)
            )
            if preference.email_mode != EmailMode.DIGEST:
                continue
            if preference.last_digest_at is not None and preference.last_digest_at >= slot:
                continue
            user = preference.user
            items = list(
                InboxItem.objects.filter(
                    recipient_id=user.pk,
                    agency_id=user.agency_id,
                    kind__in=EMAILED_KINDS,
                    emailed_at__isnull=True,
                    read_at__isnull=True,  # opened (or dealt with) before the digest: not news
                    created_at__lte=now,
                )
                .select_related("case__company")
                .order_by("created_at", "pk")
            )
            if not items:
                continue
            emails.digest_message(items=items, to=user.email).send()
            InboxItem.objects.filter(pk__in=[i.pk for i in items]).update(emailed_at=now)
            preference.last_digest_at = now
            preference.save(update_fields=["last_digest_at", "updated_at"])
            audit_record(
                agency=user.agency_id,
                actor=None,
                action="inbox.digest_sent",
                target=preference,
                data={"user": user.pk, "items": [i.pk for i in items]},
            )
            sent += 1
    return sent


def inbox_overdue_tasks(*, now: datetime | None = None) -> int:
    """An item for each open task past its due date (for its assignee, else the case's consultant);
    how many were added. A task already in the inbox is not added again."""
    today = timezone.localdate(now or timezone.now())
    added = 0
    overdue = Task.objects.filter(done_at__isnull=True, due_on__lt=today).select_related(
        "case", "case__consultant", "assignee"
    )
    existing = set(
        InboxItem.objects.filter(kind=InboxKind.TASK_OVERDUE, source_type="cases.task").values_list(
            "source_id", flat=True
        )
    )
    for task in overdue:
        if task.pk in existing:
            continue
        with transaction.atomic():
            item = inbox_item_create(
                kind=InboxKind.TASK_OVERDUE,
                case=task.case,
                source=task,
                summary_zh=task.title,
                summary_en=task.title,
                recipient=task.assignee,
                now=now,
            )
        added += item is not None
    return added


# -- the events' hooks (called by the services that make them, inside their transaction) -----------------

_SECTION_LABELS = {
    "company": ("公司信息", "company"),
    "service": ("服务", "service"),
    "readiness": ("准备情况", "readiness"),
}


def inbox_client_upload(*, version: Model, material: Model, case: Case, actor: User) -> InboxItem | None:
    """A client uploaded a version of a material: an item for the case's consultant."""
    if not actor.is_client_user:
        return None
    return inbox_item_create(
        kind=InboxKind.UPLOAD,
        case=case,
        source=version,
        summary_zh=material.title_zh,
        summary_en=material.title_en,
    )


def inbox_client_message(*, note: Model, case: Case, actor: User) -> InboxItem | None:
    """A client wrote a note (a message) on the case: an item for the case's consultant."""
    if not actor.is_client_user:
        return None
    return inbox_item_create(
        kind=InboxKind.MESSAGE, case=case, source=note, summary_zh=note.body, summary_en=note.body
    )


def inbox_client_profile_change(*, company: Model, paths: list[str], actor: User) -> list[InboxItem]:
    """A client changed the company profile: an item on each open case of the company, naming the
    sections changed (in words, never the field paths)."""
    if not actor.is_client_user or not paths:
        return []
    sections = [s for s in _SECTION_LABELS if any(p == s or p.startswith(s + ".") for p in paths)]
    zh = "、".join(_SECTION_LABELS[s][0] for s in sections) or "企业档案"
    en = ", ".join(_SECTION_LABELS[s][1] for s in sections) or "profile"
    items = []
    for case in Case.objects.filter(company_id=company.pk, closed_at__isnull=True).select_related(
        "consultant"
    ):
        item = inbox_item_create(
            kind=InboxKind.PROFILE_CHANGE,
            case=case,
            source=company,
            summary_zh=f"{zh}（{len(paths)} 项）",
            summary_en=f"{en} ({len(paths)} field(s))",
        )
        if item is not None:
            items.append(item)
    return items

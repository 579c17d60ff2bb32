"""Writes of the reminders: the reminder job, each agency's reminder days, and the calendar feed tokens.

**The job** (:func:`reminders_send`, a housekeeping task: in-process every
``HOUSEKEEPING_INTERVAL_MINUTES`` on the embedded default, from Celery beat when a broker is configured)
reads every deadline of every agency fresh (:func:`~licensedesk.web.reminders.deadlines.agency_deadlines`:
a deadline already met is no longer there, so nothing is said about it) and, for each, picks the
*most relevant* reminder day: the smallest of the agency's days (default 30, 7, 1) that is at least the
days left. On a day with 12 days left that is the 30-day reminder, with 5 left the 7-day one, on the due
day itself the 1-day one. A deadline past due and still open gets, instead, one overdue notice in the
consultant's inbox (:data:`OVERDUE`; no email: the reminders before the date were the emails), beside the
overdue flags of the case, the board and the register. So a server stopped for days sends, on its first
run, one reminder per deadline — the one for where the deadline stands now, saying how many days are
really left — never the stale ones it missed.

An inbox reminder says the due date, not the days left, so that it stays true while it waits to be
read; one whose deadline is met before its date is marked dealt with by the next run.

Each reminder is given once per (deadline, due date, reminder day, recipient, channel): the row of
:class:`~licensedesk.web.reminders.models.SentReminder` is written in the same transaction as the inbox
item, or as the email is sent (a failed send rolls the row back: the next run tries again). A second run,
or a second process at the same time, hits the unique constraint and gives nothing twice. A clock that
restarts with a new due date is reminded afresh (the date is part of the key).

Who: the deadline's consultant (inbox and email), else — no consultant, or one no longer active — each
active admin of the agency (inbox: they assign the case, or watch it themselves); the client's active
users with an email address, for the deadlines they act on (email, in Chinese). Not before
``REMINDERS_SEND_HOUR`` (local, default 8) so that nobody gets a reminder at night.

Reminders are bookkeeping of deadlines already on the case or in the register, so giving one writes no
audit row; changing the reminder days and making or revoking a feed address do.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from licensedesk.web.accounts.models import STAFF_ROLES, Agency, Role, User
from licensedesk.web.accounts.roles import ensure_active, ensure_admin, ensure_same_agency
from licensedesk.web.audit.services import audit_record
from licensedesk.web.inbox.models import InboxItem, InboxKind
from licensedesk.web.inbox.services import inbox_items_resolve, inbox_reminder_create
from licensedesk.web.reminders import emails
from licensedesk.web.reminders.deadlines import Deadline, agency_deadlines
from licensedesk.web.reminders.errors import MAX_DAYS_BEFORE, days_invalid
from licensedesk.web.reminders.models import CalendarFeed, Channel, ReminderSetting, SentReminder
from licensedesk.web.reminders.selectors import reminder_days, token_hash

logger = logging.getLogger(__name__)


#: the ``days_before`` under which the overdue notice of a deadline is logged: beyond any reminder day an
#: agency may set (``MAX_DAYS_BEFORE``), so it never takes the place of a reminder, and given once
OVERDUE = 32767
assert OVERDUE > MAX_DAYS_BEFORE


def reminder_day_for(days_left: int, days_before: Iterable[int]) -> int | None:
    """The reminder due when ``days_left`` days are left: the smallest of ``days_before`` not below it
    (None: too early for any, or past due)."""
    if days_left < 0:
        return None
    return min((d for d in days_before if d >= days_left), default=None)


# -- the job -----------------------------------------------------------------------------------------------


def reminders_send(*, now: datetime | None = None) -> int:
    """Give every reminder due now that was not given yet (see the module docstring); how many were
    given (inbox items and emails)."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < int(getattr(settings, "REMINDERS_SEND_HOUR", 8)):
        return 0
    given = 0
    for agency in Agency.objects.order_by("pk"):
        given += agency_reminders_send(agency=agency, now=now)
    return given


def agency_reminders_send(*, agency: Agency, now: datetime) -> int:
    """The job for one agency."""
    today = timezone.localtime(now).date()
    days = reminder_days(agency_id=agency.pk)
    open_now = agency_deadlines(agency=agency, today=today)
    _resolve_met(agency_id=agency.pk, open_now=open_now, today=today, now=now)
    due_now = [(d, day) for d in open_now if (day := reminder_day_for(d.days_left(today), days)) is not None]
    overdue = [d for d in open_now if d.days_left(today) < 0]
    if not due_now and not overdue:
        return 0
    staff = {
        u.pk: u
        for u in User.objects.filter(
            agency_id=agency.pk,
            role__in=STAFF_ROLES,
            is_active=True,
            pk__in={d.consultant_id for d in [*(d for d, _ in due_now), *overdue] if d.consultant_id},
        )
    }
    admins = list(
        User.objects.filter(agency_id=agency.pk, role=Role.AGENCY_ADMIN, is_active=True).order_by("pk")
    )
    clients: dict[int, list[User]] = defaultdict(list)
    for user in (
        User.objects.filter(
            agency_id=agency.pk,
            role=Role.CLIENT_USER,
            is_active=True,
            company_id__in={d.company_id for d, _ in due_now if d.for_client},
        )
        .exclude(email="")
        .order_by("pk")
    ):
        clients[user.company_id].append(user)
    given = 0
    for deadline, day in due_now:
        consultant = staff.get(deadline.consultant_id) if deadline.consultant_id else None
        for holder in [consultant] if consultant is not None else admins:
            given += _give_inbox(deadline, day, holder, now=now)
        if consultant is not None and consultant.email:
            message = emails.staff_message(deadline=deadline, today=today, to=consultant.email)
            given += _give_email(deadline, day, consultant, message, now=now)
        if deadline.for_client:
            for user in clients.get(deadline.company_id, []):
                message = emails.client_message(
                    deadline=deadline, today=today, to=user.email, agency_name=agency.name
                )
                given += _give_email(deadline, day, user, message, now=now)
    for deadline in overdue:
        consultant = staff.get(deadline.consultant_id) if deadline.consultant_id else None
        for holder in [consultant] if consultant is not None else admins:
            given += _give_inbox(deadline, OVERDUE, holder, now=now)
    return given


def _resolve_met(*, agency_id: int, open_now: list[Deadline], today: date, now: datetime) -> int:
    """The unread inbox reminders of deadlines no longer open although their date has not come (met,
    or a clock stopped): marked dealt with, so the inbox does not keep asking for them. A deadline whose
    date has passed is left alone: the source may no longer list it without it having been met."""
    still_open = {(d.key, d.due) for d in open_now}
    rows = list(
        SentReminder.objects.filter(
            agency_id=agency_id,
            channel=Channel.INBOX,
            due__gte=today,
            pk__in=InboxItem.objects.filter(
                agency_id=agency_id,
                kind=InboxKind.REMINDER,
                source_type="reminders.sentreminder",
                read_at__isnull=True,
            ).values("source_id"),
        )
    )
    done = [r for r in rows if (r.deadline_key, r.due) not in still_open]
    return sum(inbox_items_resolve(source=r, now=now) for r in done)


def _log(deadline: Deadline, day: int, recipient: User, channel: str, now: datetime) -> SentReminder:
    return SentReminder.objects.create(
        agency_id=deadline.agency_id,
        deadline_key=deadline.key,
        due=deadline.due,
        days_before=day,
        recipient=recipient,
        channel=channel,
        title_zh=deadline.title_zh[:200],
        title_en=deadline.title_en[:200],
        link=deadline.client_path if recipient.is_client_user else deadline.path,
        sent_at=now,
    )


def _give_inbox(deadline: Deadline, day: int, recipient: User, *, now: datetime) -> int:
    """The reminder in the inbox of ``recipient``, once."""
    try:
        with transaction.atomic():
            row = _log(deadline, day, recipient, Channel.INBOX, now)
            inbox_reminder_create(
                agency_id=deadline.agency_id,
                recipient=recipient,
                source=row,
                company_id=deadline.company_id,
                case_id=deadline.case_id,
                link=deadline.path,
                summary_zh=(
                    f"已逾期：{deadline.title_zh}，{deadline.due.isoformat()} 截止"
                    if day == OVERDUE
                    else f"{deadline.title_zh}：{deadline.due.isoformat()} 截止"
                ),
                summary_en=(
                    f"Overdue: {deadline.title_en}, due {deadline.due.isoformat()}"
                    if day == OVERDUE
                    else f"{deadline.title_en}: due {deadline.due.isoformat()}"
                ),
                now=now,
            )
    except IntegrityError:
        return 0  # given before (this run's twin, or an earlier run)
    return 1


def _give_email(deadline: Deadline, day: int, recipient: User, message: Any, *, now: datetime) -> int:
    """The reminder emailed to ``recipient``, once: the log row and the send in one transaction (a send
    that fails rolls the row back, and the next run tries again)."""
    try:
        with transaction.atomic():
            _log(deadline, day, recipient, Channel.EMAIL, now)
            message.send()
    except IntegrityError:
        return 0
    except Exception:
        logger.exception("reminders: emailing %s to user %s failed", deadline.key, recipient.pk)
        return 0
    return 1


# -- the agency's reminder days ----------------------------------------------------------------------------


def parse_days(text: str) -> list[int]:
    """``"30, 7, 1"`` (commas, Chinese commas or spaces) as distinct days, largest first."""
    parts = [p for p in re.split(r"[\s,，、]+", text.strip()) if p]
    if not parts or any(not p.isdigit() for p in parts):
        raise days_invalid(text)
    days = sorted({int(p) for p in parts}, reverse=True)
    if days[0] > MAX_DAYS_BEFORE:
        raise days_invalid(text)
    return days


def reminder_days_set(*, actor: User, days: list[int]) -> ReminderSetting:
    """Set the agency's reminder days (agency admins only); audited."""
    ensure_admin(actor, actor.agency_id, action="set the reminder days")
    days = sorted({int(d) for d in days}, reverse=True)
    if not days or days[-1] < 0 or days[0] > MAX_DAYS_BEFORE:
        raise days_invalid(", ".join(str(d) for d in days))
    with transaction.atomic():
        setting, _ = ReminderSetting.objects.select_for_update().get_or_create(
            agency_id=actor.agency_id, defaults={"days_before": []}
        )
        before = list(setting.days_before) or list(reminder_days(agency_id=actor.agency_id))
        if setting.days_before == days:
            return setting
        setting.days_before = days
        setting.save()
        audit_record(
            agency=actor.agency_id,
            actor=actor,
            action="reminders.days_changed",
            target=setting,
            before={"days_before": before},
            after={"days_before": days},
        )
    return setting


# -- calendar feeds ----------------------------------------------------------------------------------------


def calendar_feed_create(*, actor: User) -> tuple[CalendarFeed, str]:
    """A new secret calendar address for ``actor`` (any signed-in user of an agency): the feed and its
    token, which is returned this once and kept only as its hash. The user's previous address stops
    working."""
    ensure_same_agency(actor, actor.agency_id)  # refuses a user of no agency
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        revoked = _revoke(actor, now)
        feed = CalendarFeed.objects.create(user=actor, token_hash=token_hash(token), created_at=now)
        audit_record(
            agency=actor.agency_id,
            actor=actor,
            action="reminders.feed_created",
            target=feed,
            data={"replaced": revoked},
        )
    return feed, token


def calendar_feed_revoke(*, actor: User) -> int:
    """Revoke ``actor``'s calendar address (it answers 404 from now on); how many were revoked."""
    ensure_active(actor)
    with transaction.atomic():
        revoked = _revoke(actor, timezone.now())
        if revoked:
            audit_record(
                agency=actor.agency_id,
                actor=actor,
                action="reminders.feed_revoked",
                target=actor,
                data={"feeds": revoked},
            )
    return len(revoked)


def _revoke(actor: User, now: datetime) -> list[int]:
    ids = list(
        CalendarFeed.objects.select_for_update()
        .filter(user_id=actor.pk, revoked_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if ids:
        CalendarFeed.objects.filter(pk__in=ids).update(revoked_at=now)
    return ids


def calendar_feed_touch(*, feed: CalendarFeed, now: datetime | None = None) -> None:
    """Note when the feed was last read (shown to its user, so they can tell it is in use); at most
    once an hour, so a calendar polling often does not write on every read."""
    now = now or timezone.now()
    if feed.last_read_at is None or (now - feed.last_read_at).total_seconds() >= 3600:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)


def today_local(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now()).date()

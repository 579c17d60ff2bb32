"""A user's deadlines as an iCalendar document (RFC 5545, the ``icalendar`` package).

Each deadline is an all-day event on its due date. Its UID is the deadline's key, so a calendar that
polls the feed updates the event in place when a restarted clock moves the date, and drops it when the
deadline is met (it is no longer in the feed). The event's URL is the deadline's page under the address
the server is served on; a client user's event links to the portal. Staff read Chinese, then English; a
client user reads Chinese.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from licensedesk.web.reminders import emails
from licensedesk.web.reminders.deadlines import Deadline

PRODID = "-//licensedesk//deadlines//ZH"


def _description(deadline: Deadline, *, client: bool) -> str:
    lines = [deadline.title_zh]
    if deadline.detail_zh:
        lines.append(deadline.detail_zh)
    lines += emails.notes_zh(deadline)
    if not client:
        lines += ["", deadline.title_en]
        if deadline.detail_en:
            lines.append(deadline.detail_en)
        lines += emails.notes_en(deadline)
    return "\n".join(lines)


def calendar_for(
    deadlines: Sequence[Deadline], *, client: bool, base_url: str, now: datetime, name: str
) -> bytes:
    """The iCalendar document of ``deadlines``."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for deadline in deadlines:
        event = Event()
        event.add("uid", f"{deadline.key}@licensedesk")
        event.add("dtstamp", now)
        event.add("dtstart", deadline.due)
        event.add("dtend", deadline.due + timedelta(days=1))
        event.add("summary", deadline.title_zh)
        event.add("description", _description(deadline, client=client))
        event.add("url", emails.absolute(deadline.client_path if client else deadline.path, base_url))
        event.add("transp", "TRANSPARENT")
        event.add("categories", ["许可证办理台"])
        cal.add_component(event)
    return cal.to_ical()

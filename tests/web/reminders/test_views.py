"""The deadlines page, the calendar address (made, shown once, revoked, made again) and the iCalendar
feed read back with ``icalendar``: each user's own deadlines, no session needed, nothing of another
agency or another client; the agency's reminder days (admins only)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.reminders.models import CalendarFeed
from licensedesk.web.reminders.selectors import reminder_days, token_hash
from licensedesk.web.reminders.services import today_local

from .conftest import case_deadline

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
FEED = re.compile(r'value="(http://testserver/calendar/([^"]+)\.ics)"')


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _make_feed(client: Client) -> tuple[str, str]:
    """Make the user's calendar address on the page; (its URL, its token) as the page shows them."""
    response = client.post(reverse("reminders:feed_create"), follow=True)
    assert response.status_code == 200
    url, token = FEED.search(response.content.decode()).groups()
    return url, token


def _events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def four(mailed: Any, other_mailed: Any, deadlines: Any) -> Any:
    """Deadlines of both companies of the agency (one the client acts on, one the authority's) and one
    of the other agency."""
    today = today_local()  # the day the pages count from (China)
    mailed.mine = case_deadline(mailed.case, today + timedelta(days=5))
    mailed.authority = case_deadline(
        mailed.case, today + timedelta(days=9), limit="decision", for_client=False
    )
    mailed.theirs = case_deadline(mailed.case2, today + timedelta(days=3))
    mailed.other_agency = case_deadline(other_mailed.case, today + timedelta(days=4))
    deadlines.items = [mailed.mine, mailed.authority, mailed.theirs, mailed.other_agency]
    return mailed


def test_the_consultant_reads_their_deadlines_in_a_calendar_without_signing_in(four: Any) -> None:
    browser = _signed_in(four.consultant)
    url, token = _make_feed(browser)
    assert CalendarFeed.objects.get(user=four.consultant).token_hash == token_hash(token)
    assert not CalendarFeed.objects.filter(token_hash=token).exists()  # only the hash is kept
    response = Client().get(url)  # a calendar application: no session
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _events(response.content)
    # Their case's two deadlines; not the other consultant's case, not the other agency's.
    assert set(events) == {f"{four.mine.key}@licensedesk", f"{four.authority.key}@licensedesk"}
    mine = events[f"{four.mine.key}@licensedesk"]
    assert mine.decoded("DTSTART") == four.mine.due
    assert str(mine["SUMMARY"]) == f"补正期限（{four.company.name}）"
    assert str(mine["URL"]) == f"http://testserver/cases/{four.case.pk}/"
    assert "依据：中华人民共和国行政许可法 第三十二条" in str(mine["DESCRIPTION"])
    assert "Correction deadline" in str(mine["DESCRIPTION"])  # staff read Chinese, then English


def test_the_client_reads_only_their_companys_deadlines_they_act_on(four: Any) -> None:
    url, _ = _make_feed(_signed_in(four.client))
    events = _events(Client().get(url).content)
    assert set(events) == {f"{four.mine.key}@licensedesk"}
    event = events[f"{four.mine.key}@licensedesk"]
    assert str(event["URL"]) == f"http://testserver/portal/cases/{four.case.pk}/"
    assert "Correction" not in str(event["DESCRIPTION"])  # Chinese only for a client
    url2, _ = _make_feed(_signed_in(four.client2))
    assert set(_events(Client().get(url2).content)) == {f"{four.theirs.key}@licensedesk"}


def test_the_admin_holds_what_has_no_consultant(four: Any, deadlines: Any) -> None:
    four.case2.consultant = None
    four.case2.save()
    unassigned = case_deadline(four.case2, four.theirs.due)
    deadlines.items = [four.mine, unassigned, four.other_agency]
    url, _ = _make_feed(_signed_in(four.admin))
    assert set(_events(Client().get(url).content)) == {f"{unassigned.key}@licensedesk"}


def test_the_links_follow_the_configured_base_url(four: Any, settings: Any) -> None:
    settings.LICENSEDESK_BASE_URL = "https://desk.example.cn"
    settings.LICENSEDESK_BASE_URL_SET = True
    response = _signed_in(four.consultant).post(reverse("reminders:feed_create"), follow=True)
    token = re.search(r"https://desk\.example\.cn/calendar/([^\"]+)\.ics", response.content.decode()).group(1)
    events = _events(Client().get(reverse("reminders:feed", kwargs={"token": token})).content)
    assert (
        str(events[f"{four.mine.key}@licensedesk"]["URL"]) == f"https://desk.example.cn/cases/{four.case.pk}/"
    )


def test_the_address_is_shown_once_revoked_and_made_again(four: Any) -> None:
    browser = _signed_in(four.consultant)
    url, token = _make_feed(browser)
    page = browser.get(reverse("reminders:page")).content.decode()
    assert token not in page  # shown once, when made
    assert "只在创建时显示一次" in page
    response = browser.post(reverse("reminders:feed_revoke"), follow=True)
    assert "您的日历地址已撤销" in response.content.decode()
    assert Client().get(url).status_code == 404
    new_url, new_token = _make_feed(browser)
    assert new_token != token
    assert Client().get(new_url).status_code == 200
    assert Client().get(url).status_code == 404  # the revoked one stays dead
    _make_feed(browser)  # making another replaces the live one
    assert Client().get(new_url).status_code == 404
    assert CalendarFeed.objects.filter(user=four.consultant, revoked_at__isnull=True).count() == 1
    actions = list(
        AuditEvent.objects.filter(action__startswith="reminders.feed_")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "reminders.feed_created",
        "reminders.feed_revoked",
        "reminders.feed_created",
        "reminders.feed_created",
    ]


def test_an_unknown_address_or_a_deactivated_user_is_404(four: Any) -> None:
    assert Client().get(reverse("reminders:feed", kwargs={"token": "x" * 43})).status_code == 404
    url, _ = _make_feed(_signed_in(four.consultant))
    four.consultant.is_active = False
    four.consultant.save()
    assert Client().get(url).status_code == 404


def test_the_page_lists_the_users_deadlines_with_days_left(four: Any) -> None:
    page = _signed_in(four.consultant).get(reverse("reminders:page")).content.decode()
    assert f"补正期限（{four.company.name}）" in page
    assert "还有 5 天" in page
    assert four.company2.name not in page  # the other consultant's case
    assert four.other_agency.company_name not in page
    client_page = _signed_in(four.client).get(reverse("reminders:page")).content.decode()
    assert f'href="/portal/cases/{four.case.pk}/"' in client_page
    assert "还有 9 天" not in client_page  # the authority's decision clock is not the client's


def test_the_nav_leads_to_the_page_for_staff_and_clients(four: Any) -> None:
    for user in (four.consultant, four.client):
        page = _signed_in(user).get(reverse("reminders:page")).content.decode()
        assert 'data-testid="nav-deadlines"' in page and ">截止日期</a>" in page


def test_only_an_admin_changes_the_reminder_days(four: Any) -> None:
    url = reverse("reminders:settings")
    assert _signed_in(four.consultant).get(url).status_code == 403
    assert _signed_in(four.client).post(url, {"days_before": "5"}).status_code == 403
    admin = _signed_in(four.admin)
    refused = admin.post(url, {"days_before": "30, 七"})
    assert refused.status_code == 400
    assert "请输入 0 到 365 之间的整数，用逗号分隔。" in refused.content.decode()
    assert reminder_days(agency_id=four.agency.pk) == (30, 7, 1)
    response = admin.post(url, {"days_before": "14，3"}, follow=True)
    assert "提醒天数已保存。" in response.content.decode()
    assert reminder_days(agency_id=four.agency.pk) == (14, 3)
    assert "提醒在截止日期前 14、3 天发出。" in response.content.decode()


def _busy_case(tenant: Any, n: int) -> None:
    """A case of the consultant whose paper set was received, and a license of its company."""
    from licensedesk.web.cases.models import CaseEvent, LicenseRecord
    from web import factories as f

    company = f.ClientCompanyFactory(agency=tenant.agency)
    case = f.CaseFactory(company=company, consultant=tenant.consultant, stage="paper_submitted")
    CaseEvent.objects.create(
        case=case,
        kind="paper_delivery",
        from_stage=case.stage,
        to_stage=case.stage,
        occurred_on=today_local() - timedelta(days=1),
        recorded_by=tenant.consultant,
    )
    LicenseRecord.objects.create(
        agency=tenant.agency,
        company=company,
        source="manual",
        license_id="icp-b25",
        number=f"粤B2-2025{n:04d}",
        issued_on=today_local() - timedelta(days=400),
        expires_on=today_local() + timedelta(days=1400),
        recorded_by=tenant.consultant,
    )


def test_the_page_reads_a_fixed_number_of_queries(mailed: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = _signed_in(mailed.consultant)
    _busy_case(mailed, 1)
    with CaptureQueriesContext(connection) as one:
        first = browser.get(reverse("reminders:page"))
    for n in (2, 3, 4):
        _busy_case(mailed, n)
    with CaptureQueriesContext(connection) as four:
        page = browser.get(reverse("reminders:page"))
    assert first.status_code == page.status_code == 200
    assert page.content.decode().count("受理期限（") == 4
    # 13 with the register's duty cases (a duty whose case is done reminds nobody)
    assert len(four.captured_queries) == len(one.captured_queries) == 13

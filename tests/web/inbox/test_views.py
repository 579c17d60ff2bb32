"""The inbox pages and the navigation's unread count, as each role sees them (Chinese first)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensedesk.web.inbox.models import EmailMode, InboxItem, InboxPreference
from licensedesk.web.materials import services as materials

from .conftest import material, pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

BACKEND = "django.contrib.auth.backends.ModelBackend"
UNREAD = re.compile(r'data-testid="nav-inbox-unread">(\d+)<')


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _text(response: Any) -> str:
    return response.content.decode()


def _upload(tenant: Any) -> InboxItem:
    materials.material_upload(
        material=material(tenant.case, "business_license"), actor=tenant.client, files=[pdf()]
    )
    return InboxItem.objects.get()


def test_the_consultant_opens_the_item_lands_on_the_material_and_the_count_drops(checked: Any) -> None:
    item = _upload(checked)
    browser = _client(checked.consultant)
    page = browser.get(reverse("inbox:list"))
    html = _text(page)
    assert UNREAD.search(html).group(1) == "1"
    assert "客户上传材料" in html and checked.company.name in html and "未读" in html
    assert material(checked.case, "business_license").title_zh in html
    opened = browser.post(reverse("inbox:open", kwargs={"pk": item.pk}))
    target = reverse("materials:item", kwargs={"pk": material(checked.case, "business_license").pk})
    assert (opened.status_code, opened["Location"]) == (302, target)
    after = _text(browser.get(reverse("inbox:list")))
    assert UNREAD.search(after) is None  # no badge once everything is read
    assert "已读" in after


def test_client_users_have_no_inbox(checked: Any) -> None:
    item = _upload(checked)
    browser = _client(checked.client)
    assert browser.get(reverse("inbox:list")).status_code == 403
    assert browser.get(reverse("inbox:settings")).status_code == 403
    assert browser.post(reverse("inbox:open", kwargs={"pk": item.pk})).status_code == 403
    assert InboxItem.objects.get().read_at is None


def test_another_agency_cannot_open_the_item(checked: Any, other_tenant: Any) -> None:
    item = _upload(checked)
    for outsider in (other_tenant.consultant, other_tenant.admin, checked.other_consultant):
        browser = _client(outsider)
        assert browser.post(reverse("inbox:open", kwargs={"pk": item.pk})).status_code == 404
        assert checked.company.name not in _text(browser.get(reverse("inbox:list")))
    assert InboxItem.objects.get().read_at is None


def test_the_unread_count_costs_one_query_per_page(checked: Any, django_assert_num_queries: Any) -> None:
    _upload(checked)
    browser = _client(checked.consultant)
    browser.get(reverse("inbox:list"))  # warm up (sessions, translations)
    with CaptureQueriesContext(connection) as queries:
        browser.get(reverse("cases:my_tasks"))
    counting = [q["sql"] for q in queries.captured_queries if "inbox_inboxitem" in q["sql"]]
    assert len(counting) == 1 and "COUNT(" in counting[0].upper()
    with django_assert_num_queries(5):  # session, user, unread count, the page's count and its rows
        browser.get(reverse("inbox:list"))


def test_the_email_option_is_saved_and_shown(checked: Any) -> None:
    browser = _client(checked.consultant)
    page = _text(browser.get(reverse("inbox:settings")))
    assert "客户上传材料或留言时，邮件通知我" in page
    assert "每天 08:00 汇总成一封邮件" in page
    saved = browser.post(reverse("inbox:settings"), {"email_mode": "digest"}, follow=True)
    assert "邮件通知方式已保存。" in _text(saved)
    assert InboxPreference.objects.get(user=checked.consultant).email_mode == EmailMode.DIGEST
    assert browser.post(reverse("inbox:settings"), {"email_mode": "weekly"}).status_code == 200
    assert InboxPreference.objects.get(user=checked.consultant).email_mode == EmailMode.DIGEST


def test_a_reviewed_upload_shows_as_dealt_with_not_unread(checked: Any) -> None:
    item = _upload(checked)
    version = materials.MaterialVersion.objects.get(pk=item.source_id)
    materials.version_reject(version=version, actor=checked.consultant, reason="seal_missing", text="请盖章")
    html = _text(_client(checked.consultant).get(reverse("inbox:list")))
    assert "已处理" in html and 'badge-overdue">未读' not in html
    assert UNREAD.search(html) is None

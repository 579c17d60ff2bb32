"""The board: every card says its due date and whether the case is new; columns and counts are read
out by screen readers."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ..factories import CaseFactory, ClientCompanyFactory

pytestmark = pytest.mark.django_db


def _board(tenant: Any) -> str:
    client = Client()
    client.force_login(tenant.consultant)
    return client.get(reverse("cases:board")).content.decode()


def _card(html: str, pk: int) -> str:
    start = html.index(">", html.index(f'data-testid="card-{pk}"')) + 1
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start : html.index("</a>", start)]))


def test_cards_show_their_due_date_and_a_new_flag(tenant: Any) -> None:
    today = timezone.localdate()
    fresh = CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency, company_name="深圳市新来科技有限公司"),
        stage="drafting",
        target_date=today + timedelta(days=20),
    )
    old = CaseFactory(
        company=ClientCompanyFactory(agency=tenant.agency, company_name="深圳市老客户科技有限公司"),
        stage="drafting",
        opened_on=today - timedelta(days=30),
    )
    html = _board(tenant)
    assert "深圳市新来科技有限公司 新 ：7 天内立案" in _card(html, fresh.pk)
    assert f"目标日期 {(today + timedelta(days=20)).isoformat()}" in _card(html, fresh.pk)
    assert "新" not in _card(html, old.pk).replace("深圳市老客户科技有限公司", "")
    assert "期限 未设定" in _card(html, old.pk)


def test_columns_and_counts_are_read_out(tenant: Any) -> None:
    CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), stage="drafting")
    html = _board(tenant)
    columns = html.count('class="board-column"')
    assert columns == 10  # every open stage; the terminal ones hold no case here
    assert f'aria-label="看板，共 {columns} 列"' in html
    count = html[html.index('data-testid="count-drafting"') :]
    assert re.match(r'data-testid="count-drafting">1<span class="visually-hidden"> 个案件</span>', count)
    assert 'aria-label="cases"' not in html  # it hid the number from screen readers

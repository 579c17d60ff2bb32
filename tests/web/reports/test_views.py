"""The reports page: charts with their tables, Chinese first, scoped to the reader, a truthful empty
state, a fixed number of queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ..factories import AdminFactory, ClientUserFactory
from .dataset import make_history, more_cases

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}


def _get(user: Any, params: dict[str, str] | None = None) -> Any:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client.get(reverse("reports:page"), params or PERIOD)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _block(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</figure>", start)]


@pytest.fixture
def history() -> Any:
    return make_history()


def test_the_admin_sees_every_chart_with_its_table_in_chinese(history: Any) -> None:
    response = _get(history.admin)
    assert response.status_code == 200
    page = _text(response)
    assert (
        "<h1>报表</h1>" in page
        and "本机构案件的统计。" in page
        and "统计期间：2026-01-01 至 2026-06-30。" in page
    )
    assert 'data-testid="nav-reports" aria-current="page">报表</a>' in page
    figures = re.findall(r'data-testid="figure-([a-z0-9-]+)"', page)
    assert figures == [
        "stages-now-icp-b25",
        "opened-closed",
        "cycle-end-to-end",
        "cycle-icp-b25",
        "cycle-icp-filing",
        "outcomes",
        "consultants",
        "review-rounds",
        "deadlines",
    ]
    for key in figures:
        block = _block(page, f"figure-{key}")
        assert f'role="img" aria-labelledby="t-{key} d-{key}"' in block
        assert f'<title id="t-{key}">' in block and f'<desc id="d-{key}">' in block
        assert f'<table class="chart-table" data-testid="table-{key}">' in block
    funnel = _block(page, "figure-stages-now-icp-b25")
    assert '<th scope="row">资质审核</th><td>1</td>' in funnel
    assert '<th scope="row">已签委托合同</th><td>2</td>' in funnel
    assert '<th scope="row">收集材料</th><td>0</td>' in funnel
    months = _block(page, "figure-opened-closed")
    assert '<th scope="row">2026-04</th><td>2</td><td>0</td>' in months
    assert "期间内立案 5 件，结案 3 件。" in months
    cycle = _block(page, "figure-cycle-icp-b25")
    assert "ICP 许可证：各阶段用时" in cycle
    assert '<th scope="row">资质审核</th><td>5</td><td>4 天</td><td>10 天</td>' in cycle
    end = _block(page, "figure-cycle-end-to-end")
    assert '<th scope="row">ICP 许可证</th><td>2</td><td>28 天</td><td>35 天</td>' in end
    outcomes = _block(page, "figure-outcomes")
    assert "结案 3 件：批准率 33.3%，不予许可率 33.3%，撤回率 33.3%。" in outcomes
    assert (
        '<th scope="row">ICP 许可证</th><td>2</td><td>50% (1)</td><td>0% (0)</td><td>50% (1)</td>' in outcomes
    )
    consultants = _block(page, "figure-consultants")
    assert '<th scope="row">王顾问</th><td>1</td><td>3</td><td>2</td>' in consultants
    assert '<th scope="row">未分配</th><td>1</td><td>0</td><td>0</td>' in consultants
    rounds = _block(page, "figure-review-rounds")
    assert "3 件案件，平均 1.3 轮" in rounds and '<th scope="row">1 轮</th><td>2</td>' in rounds
    assert '<th scope="row">4 轮及以上</th><td>0</td>' in rounds
    deadlines = _block(page, "figure-deadlines")
    assert "按期完成 2 项，超期 3 项" in deadlines
    assert 'style="' not in page and "<script>" not in page


def test_the_filters_offer_every_catalog_license_and_the_agencys_consultants(history: Any) -> None:
    from licensedesk.core.catalog.loader import default_catalog

    page = _text(_get(history.admin))
    for lic in default_catalog().licenses():
        assert f'<option value="{lic.id}"' in page
    assert f'<option value="{history.c1.pk}">王顾问</option>' in page
    narrowed = _text(_get(history.admin, {**PERIOD, "consultant": str(history.c2.pk), "license": "icp-b25"}))
    assert '<th scope="row">李顾问</th><td>1</td><td>2</td><td>1</td>' in narrowed
    assert "王顾问</th>" not in narrowed


def test_a_consultant_sees_only_their_own_figures_and_no_consultant_filter(history: Any) -> None:
    page = _text(_get(history.c2, {**PERIOD, "consultant": str(history.c1.pk)}))
    assert "您负责的案件的统计。" in page
    assert 'name="consultant"' not in page
    assert '<th scope="row">李顾问</th><td>1</td><td>2</td><td>1</td>' in page
    assert "王顾问" not in page and "未分配" not in page
    assert "结案 1 件：批准率 100%" in page
    assert 'data-testid="nav-reports"' in page


def test_a_client_user_is_refused(history: Any) -> None:
    client_user = ClientUserFactory(company=history.cases["open"].company)
    assert _get(client_user).status_code == 403


def test_another_agencys_cases_never_reach_the_page(history: Any) -> None:
    other = make_history("另一家企业管理咨询有限公司")
    more_cases(other, 4)
    page = _text(_get(history.admin))
    assert "期间内立案 5 件，结案 3 件。" in page
    assert other.cases["open"].company.name not in page


def test_no_data_shows_a_truthful_empty_state(db: Any) -> None:
    page = _text(_get(AdminFactory()))
    assert 'data-testid="reports-empty"' in page
    assert "暂无可统计的数据：没有在办案件，本期间内也没有案件立案、变更阶段或结案。" in page
    assert "没有在办案件。" in page and "本期间内没有案件结案。" in page
    assert "本期间内没有法定时限按期完成或超期。" in page
    assert "期间内立案 0 件，结案 0 件。" in page  # the monthly chart still shows its (zero) months


def test_a_bad_period_is_refused_and_the_default_shown(history: Any) -> None:
    page = _text(_get(history.admin, {"start": "2026-06-01", "end": "2026-01-01"}))
    assert "期间的开始日期不能晚于结束日期。 已改为显示默认期间。" in page


def test_the_page_reads_a_fixed_number_of_queries(history: Any, django_assert_num_queries: Any) -> None:
    client = Client()
    client.force_login(history.admin, backend=BACKEND)
    url = reverse("reports:page")
    client.get(url, PERIOD)  # warm: the session, the catalog
    with django_assert_num_queries(QUERIES):
        client.get(url, PERIOD)
    more_cases(history, 6)
    with django_assert_num_queries(QUERIES):
        client.get(url, PERIOD)


# session, user, the consultants of the filter, the inbox count, and ten for the figures: stages now,
# opened, closed, stage times, end to end, outcomes, consultants, review rounds, clock cases, clock events
QUERIES = 14


def test_a_date_that_is_not_one_is_named_at_its_field(history: Any) -> None:
    page = _text(_get(history.admin, {"start": "2026-13-01", "end": "2026-06-30"}))
    assert "起始日期：输入一个有效的日期。 已改为显示默认期间。" in page

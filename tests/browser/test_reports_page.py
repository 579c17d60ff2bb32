"""Issue 13, the reports page in Chromium: every chart is an image with a name and a description, and
has the table of its figures beside it; an admin sees the agency's consultants, a consultant only their
own row. Screenshots as admin (wide and phone width) and as consultant go to LICENSEDESK_SCREENSHOTS."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from web.reports.dataset import make_history

from .conftest import screenshot
from .steps import sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)

PERIOD = "/reports/?start=2026-01-01&end=2026-06-30"


def _each_chart_has_its_table(page: Any) -> int:
    figures = page.locator("figure.report-figure")
    count = figures.count()
    assert count > 0
    for i in range(count):
        figure = figures.nth(i)
        chart = figure.locator("svg[role=img]")
        expect(chart).to_have_count(1)
        expect(chart).to_be_visible()
        title = chart.locator("title").text_content() or ""
        desc = chart.locator("desc").text_content() or ""
        assert title.strip() and desc.strip(), f"chart {i} has no title or description"
        # the accessible name of the image is its title and description, as a screen reader says it
        labelled_by = (chart.get_attribute("aria-labelledby") or "").split()
        assert [page.locator(f"#{ident}").count() for ident in labelled_by] == [1, 1]
        table = figure.locator("table.chart-table")
        expect(table).to_be_visible()
        assert table.locator("thead th").count() >= 2
        assert table.locator("tbody tr").count() >= 1
        # the chart draws as many rows (bars, funnel steps or months) as the table has
        rows = table.locator("tbody tr").count()
        drawn = chart.locator("text.c-label").count() or chart.locator("polyline").first.get_attribute(
            "points"
        ).count(",")
        assert drawn == rows, f"chart {i}: {drawn} drawn, {rows} in the table"
    return count


def test_each_chart_has_its_table_for_the_admin_and_the_consultant(new_page: Any) -> None:
    history = make_history()
    page = new_page()
    sign_in(page, history.admin.username)
    page.get_by_test_id("nav-reports").click()
    expect(page.get_by_role("heading", name="报表", exact=True)).to_be_visible()
    page.goto(PERIOD)
    assert _each_chart_has_its_table(page) == 9
    expect(page.get_by_test_id("table-consultants")).to_contain_text("王顾问")
    expect(page.get_by_test_id("table-consultants")).to_contain_text("李顾问")
    screenshot(page, "reports-admin")
    page.get_by_label("许可证", exact=True).select_option("icp-filing")
    page.get_by_test_id("reports-filter").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("empty-stages-now")).to_have_text("没有在办案件。")
    assert _each_chart_has_its_table(page) >= 4
    sign_out(page)

    phone = new_page(width=390, height=844)
    sign_in(phone, history.admin.username)
    phone.goto(PERIOD)
    screenshot(phone, "reports-admin-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"

    page = new_page()
    sign_in(page, history.c1.username)
    page.goto(PERIOD)
    expect(page.get_by_test_id("reports-scope")).to_contain_text("您负责的案件的统计。")
    _each_chart_has_its_table(page)
    expect(page.get_by_test_id("table-consultants")).to_contain_text("王顾问")
    expect(page.get_by_test_id("table-consultants")).not_to_contain_text("李顾问")
    expect(page.locator("select[name=consultant]")).to_have_count(0)
    screenshot(page, "reports-consultant")

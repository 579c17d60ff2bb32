"""Profile values as a person reads them: amounts in 万元, booleans 是/否, enum values by label."""

from __future__ import annotations

import pytest

from licensedesk.core.value_text import amount_text, number_text, value_text


@pytest.mark.parametrize(
    ("path", "value", "zh", "en"),
    [
        ("company.registered_capital_cny", 1_000_000.0, "100 万元", "CNY 1,000,000"),
        ("company.registered_capital_cny", 2_500_000, "250 万元", "CNY 2,500,000"),
        ("company.registered_capital_cny", 1_234_567.5, "123.45675 万元", "CNY 1,234,567.50"),
        ("company.foreign_ownership_pct", 30.0, "30", "30"),
        ("company.foreign_ownership_pct", 12.5, "12.5", "12.5"),
        ("company.on_telecom_dishonesty_list", False, "否", "no"),
        ("readiness.business_plan", True, "是", "yes"),
        ("company.entity_type", "limited_company", "有限责任公司", "limited liability company"),
        ("company.province", "CN-GD", "广东省", "Guangdong"),
        ("service.content_areas", ["news", "education"], "新闻、教育", "news, education"),
        ("company.established_on", "2020-05-01", "2020-05-01", "2020-05-01"),
        ("company.staff_total", None, "—", "—"),
        ("service.content_areas", [], "—", "—"),
    ],
)
def test_value_text(path: str, value: object, zh: str, en: str) -> None:
    assert value_text(path, value, "zh") == zh
    assert value_text(path, value, "en") == en


def test_no_raw_python_value_survives() -> None:
    for value in (1_000_000.0, 0.0, True, None, 70.0):
        shown = value_text("company.anything", value, "zh")
        assert not shown.endswith(".0") and shown not in ("True", "None")
    assert number_text(1e7) == "10000000" and amount_text(50_000, "zh") == "5 万元"


def test_a_license_section_choice_reads_by_its_label() -> None:
    assert value_text("extensions.travel-agency.tier", "outbound", "zh") == "出境旅游业务"
    assert (
        value_text("extensions.travel-agency.tier", "domestic_inbound", "en")
        == "Domestic and inbound tourism"
    )
    assert value_text("extensions.travel-agency.tier", "unheard_of", "zh") == "unheard_of"
    assert value_text("extensions.labour-dispatch.premises_ready", True, "zh") == "是"

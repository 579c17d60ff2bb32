"""The portal's template filters that show profile fields and values to a person (the staff case page's
table of profile changes uses them): names instead of paths, amounts in 万元, 是/否."""

from __future__ import annotations

from django.utils import translation

from licensedesk.web.portal.templatetags.portal_tags import profile_field, profile_value


def test_a_field_is_named_and_a_list_item_says_which() -> None:
    with translation.override("zh-hans"):
        assert profile_field("company.registered_capital_cny") == "注册资本（元）"
        assert profile_field("company.shareholders[1].share_pct") == "股东 2 · 持股比例（%）"
    with translation.override("en"):
        assert profile_field("company.shareholders[0].name") == "Shareholders 1 · Name"


def test_values_read_as_a_person_reads_them() -> None:
    with translation.override("zh-hans"):
        assert profile_value(1_000_000.0, "company.registered_capital_cny") == "100 万元"
        assert profile_value("2000000", "company.registered_capital_cny") == "200 万元"  # as a form holds it
        assert profile_value(70.0, "company.shareholders[0].share_pct") == "70"
        assert profile_value(True, "company.on_telecom_dishonesty_list") == "是"
        assert profile_value(None, "company.staff_total") == "—"
        assert profile_value(["news"], "service.content_areas") == "新闻"
    with translation.override("en"):
        assert profile_value(1_000_000.0, "company.registered_capital_cny") == "CNY 1,000,000"
        assert profile_value(False, "readiness.business_plan") == "no"

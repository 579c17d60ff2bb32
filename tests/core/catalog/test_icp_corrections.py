"""The corrections of ../shared/domain-facts-licenses.md (§1k, "Corrections / updates") in the ICP
license's data: dated changes with their sources and certainty marks, not edits of history."""

from __future__ import annotations

from datetime import date

from licensedesk.core.catalog.folders import LICENSE_FILE, license_folder
from licensedesk.core.catalog.loader import load_catalog, parameters_on

LIC = load_catalog([license_folder("icp-b25") / LICENSE_FILE]).license("icp-b25")


def test_the_education_pre_approval_is_abolished_from_a_dated_value() -> None:
    before = parameters_on(LIC, date(2016, 3, 21))["pre_approval_areas"]
    after = parameters_on(LIC, date(2016, 3, 22))["pre_approval_areas"]
    assert "education" in before and "education" not in after
    assert set(before) - set(after) == {"education"}
    value = LIC.parameters["pre_approval_areas"].values[-1]
    assert value.certainty == "S"
    assert [c.basis for c in value.citations] == ["iis_measures", "education_approvals_cancelled"]
    source = LIC.basis("education_approvals_cancelled")
    assert source.url and "国发〔2015〕57号" in (source.instrument or "")


def test_healthcare_is_kept_and_marked_uncertain_from_the_2017_decision() -> None:
    assert "healthcare" in parameters_on(LIC, date(2026, 11, 28))["pre_approval_areas"]
    doubt = LIC.parameters["pre_approval_uncertain_areas"]
    assert parameters_on(LIC, date(2017, 9, 21))["pre_approval_uncertain_areas"] == []
    assert parameters_on(LIC, date(2017, 9, 22))["pre_approval_uncertain_areas"] == ["healthcare"]
    assert doubt.values[-1].certainty == "U"
    assert LIC.basis("licensing_cancellations_2017").url


def test_telecom_regulations_article_15_change_rule_is_kept_with_its_mark() -> None:
    rules = {c.id: c for c in LIC.versions[-1].change_filings}
    advance = rules["operating_entity_advance"]
    assert (advance.timing, advance.amount, advance.certainty) == ("before", 90, "U")
    assert [(c.basis, c.article) for c in advance.citations] == [("telecom_regulations", "第十五条")]
    assert LIC.basis("telecom_regulations").url


def test_parameters_carry_their_units() -> None:
    assert LIC.parameters["registered_capital_min"].unit == "CNY"
    assert LIC.parameters["foreign_share_max_pct"].unit == "percent"

"""The evaluator's check result beyond statuses: reasons, remedies, citations, traces and warnings."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from licensedesk.core.catalog.loader import load_catalog
from licensedesk.core.eligibility import _find_out_from, check_profile, evaluator_for
from licensedesk.core.profile import load_profile, validate_profile

AS_OF = date(2026, 11, 28)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHIPPED = (
    Path(__file__).resolve().parents[2]
    / "src" / "licensedesk" / "core" / "catalog" / "licenses" / "icp-b25" / "license.yaml"
)  # fmt: skip


def conditions(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in result["conditions"]}


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("eligible-shenzhen.json", "eligible"),
        ("incomplete.json", "incomplete"),
        ("not-eligible.yaml", "not_eligible"),
    ],
)
def test_examples(name: str, verdict: str) -> None:
    loaded = load_profile(EXAMPLES / name)
    ev = evaluator_for("icp-b25", AS_OF)
    assert ev.check(loaded)["verdict"] == verdict  # a CompanyProfile is accepted as it is
    assert ev.check(loaded.to_contract())["verdict"] == verdict
    assert ev.verdict(loaded.to_contract()) == verdict
    assert check_profile(loaded, license_id="icp-b25", as_of=AS_OF) == ev.check(loaded)


def test_each_material_says_who_supplies_it() -> None:
    """Additive field of the check result (the contract allows more fields): the portal asks the client
    only for what is theirs to provide or sign."""
    result = evaluator_for("icp-b25", AS_OF).check(load_profile(EXAMPLES / "eligible-shenzhen.json"))
    supplied = {m["id"]: m["supplied_by"] for m in result["materials"]}
    assert (supplied["business_license"], supplied["company_profile"], supplied["guarantee_letter"]) == (
        "client",
        "agency",
        "agency_signed",
    )
    assert set(supplied.values()) == {"client", "agency", "agency_signed"}


def test_result_header() -> None:
    result = evaluator_for("icp-b25", AS_OF).check(load_profile(EXAMPLES / "eligible-shenzhen.json"))
    assert result["license"] == "icp-b25"
    assert result["ruleset_version"] == "2017-09-01"
    assert result["as_of"] == "2026-11-28"
    assert result["license_name_zh"] == "增值电信业务经营许可证（B25 信息服务业务，仅限互联网信息服务）"
    assert result["warnings"] == []
    assert result["warnings_en"] == []


def test_not_eligible_example_reasons_remedies_and_citations() -> None:
    result = evaluator_for("icp-b25", AS_OF).check(load_profile(EXAMPLES / "not-eligible.yaml"))
    cond = conditions(result)
    capital = cond["registered_capital"]
    assert capital["reason"] == "注册资本 500 万元，低于跨地区（全国）经营所需的 1,000 万元。"
    assert capital["reason_en"] == (
        "Registered capital of CNY 5,000,000 is below the minimum of CNY 10,000,000 "
        "for cross-regional (national) coverage."
    )
    assert capital["remedy"] == "增加注册资本至不低于 1,000 万元（认缴即可）并完成工商变更登记。"
    assert capital["citation"] == "电信业务经营许可管理办法 第六条"
    assert capital["trace"] == {"capital": 5_000_000, "coverage": "national", "minimum": 10_000_000}
    foreign = cond["foreign_ownership"]
    assert (
        foreign["reason"]
        == "外资股比 60%（根据股东持股推算），超过增值电信业务 50% 的上限，且不适用开放试点。"
    )
    assert (
        foreign["citation"]
        == "外商投资电信企业管理规定 第六条；关于开展增值电信业务扩大对外开放试点工作的通告"
    )
    assert cond["pre_approval"]["reason"] == (
        "涉及医疗保健、药品和医疗器械，其中医疗保健、药品和医疗器械尚无有效（未过期）的主管部门前置审批。"
    )
    assert (
        cond["legal_entity"]["citation"] == "电信业务经营许可管理办法 第六条；中华人民共和国电信条例 第十三条"
    )
    assert "remedy" not in cond["legal_entity"]  # met: nothing to remedy
    assert result["authority"]["id"] == "MIIT"


def test_unknown_values_are_left_out_of_the_trace() -> None:
    result = evaluator_for("icp-b25", AS_OF).check(load_profile(EXAMPLES / "incomplete.json"))
    capital = conditions(result)["registered_capital"]
    assert capital["status"] == "unknown"
    assert capital["trace"] == {"coverage": "provincial", "minimum": 1_000_000}
    # unknown is not unmet: what to find out, not the remedy for too little capital
    assert "remedy" not in capital
    assert capital["find_out"] == "查看营业执照或国家企业信用信息公示系统上的注册资本，填写注册资本（元）。"
    assert capital["find_out_en"] == (
        "Look up the registered capital on the business license or the national enterprise credit "
        "publicity system and fill it in (yuan)."
    )


def test_unmet_condition_gives_the_remedy_and_no_find_out() -> None:
    profile = json.loads((EXAMPLES / "incomplete.json").read_text(encoding="utf-8"))
    profile["company"]["registered_capital_cny"] = 10
    capital = conditions(evaluator_for("icp-b25", AS_OF).check(profile))["registered_capital"]
    assert capital["status"] == "unmet"
    assert capital["remedy"] == "增加注册资本至不低于 100 万元（认缴即可）并完成工商变更登记。"
    assert "find_out" not in capital


def test_unknown_without_own_guidance_names_the_missing_fields_by_label() -> None:
    assert _find_out_from(["company.staff_total", "company.technical_staff"]) == (
        "请查明并填写：员工总数、技术人员数。",
        "Find out and fill in: Staff, Technical staff.",
    )


def test_materials_depend_on_unknown_fields() -> None:
    result = evaluator_for("icp-b25", AS_OF).check(load_profile(EXAMPLES / "incomplete.json"))
    materials = {m["id"]: m for m in result["materials"]}
    assert materials["guarantee_letter"]["depends_on"] == ["service.content_areas"]
    assert "depends_on" not in materials["application_letter"]
    assert materials["application_letter"]["because"] == "法定申请材料（电信业务经营许可管理办法 第八条）"
    assert materials["social_insurance_proof"]["required"] is True


def test_warning_texts_are_rendered_with_the_rule_bindings(tmp_path: Path) -> None:
    """The loader checks warning placeholders against the rule's let names, so they must be filled in."""
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    capital = next(c for c in data["versions"][0]["conditions"] if c["id"] == "registered_capital")
    capital["warnings"][0]["text"] = {
        "zh": "未填写业务覆盖范围，按{coverage}判断（不低于 {minimum:wan}）。",
        "en": "Coverage not given; judged as {coverage} (at least {minimum:wan}).",
    }
    path = tmp_path / "icp-b25.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    ev = evaluator_for("icp-b25", AS_OF, load_catalog([path]))
    profile = validate_profile({"schema_version": "1", "company": {"name": "某某公司", "province": "CN-ZJ"}})
    result = ev.check(profile)
    assert result["warnings"] == ["未填写业务覆盖范围，按单一省份判断（不低于 100 万元）。"]
    assert result["warnings_en"] == [
        "Coverage not given; judged as single-province (at least CNY 1,000,000)."
    ]


def test_check_does_not_change_the_profile() -> None:
    profile = load_profile(EXAMPLES / "not-eligible.yaml").to_contract()
    before = copy.deepcopy(profile)
    evaluator_for("icp-b25", AS_OF).check(profile)
    assert profile == before

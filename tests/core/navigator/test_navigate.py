"""The navigator: a table of business descriptions with what each needs, reasons that carry the
catalog's figures and their certainty, in_catalog from the loaded catalog, and a rules file whose
mistakes are all reported when it loads."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from licensedesk.core.catalog import loader
from licensedesk.core.catalog.folders import license_folder
from licensedesk.core.catalog.loader import load_catalog, parameters_on
from licensedesk.core.labels import label
from licensedesk.core.navigator.answers import parse_answers
from licensedesk.core.navigator.navigate import UNCERTAIN_MARKS, NavigatorResult, navigate
from licensedesk.core.navigator.rules import NavigatorRulesError, default_rules, load_rules_text
from licensedesk.core.rules.templates import Template

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "businesses.yaml").read_text(encoding="utf-8"))
AS_OF = date(2026, 12, 3)
NOT_YET_IN_CATALOG = (
    "internet-news",
    "online-publishing",
    "audio-visual",
    "online-culture",
    "drug-information",
    "hazardous-chemicals",
    "pawn-shop",
    "auction",
    "odi-ndrc",
    "odi-mofcom",
    "charitable-foundation",
    "gd-hk-vehicle-quota",
)


def run(answers: dict[str, Any], catalog: Any = None, as_of: date = AS_OF) -> NavigatorResult:
    return navigate(
        parse_answers(answers),
        rules=default_rules(),
        catalog=catalog or loader.default_catalog(),
        as_of=as_of,
    )


def need_keys(result: NavigatorResult) -> list[str]:
    return sorted(f"{n.license}:{n.tier}" if n.tier else n.license for n in result.needs)


def wan(amount: float, lang: str) -> str:
    """An amount as the catalog's reasons print it (``1,000 万元``, ``CNY 10,000,000``)."""
    return Template("{amount:wan}", lang).render({"amount": amount}, label)


def need(result: NavigatorResult, license_id: str) -> Any:
    return next(n for n in result.needs if n.license == license_id)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_business_needs(case: dict[str, Any]) -> None:
    result = run(case["answers"])
    assert need_keys(result) == sorted(case["needs"])
    named = {item.license for item in result.not_needed}
    assert set(case.get("not_needed", [])) <= named
    assert not named & {n.license for n in result.needs}


def test_the_table_is_at_least_twenty_businesses_and_names_every_rule() -> None:
    assert len(CASES) >= 20
    named = {key.split(":")[0] for case in CASES for key in case["needs"] + case.get("not_needed", [])}
    assert named == {lic.id for lic in default_rules().rules.licenses}


def test_in_catalog_follows_the_loaded_catalog() -> None:
    catalog_ids = {lic.id for lic in loader.default_catalog().licenses()}
    everything = {
        "province": "CN-GD",
        "city": "深圳",
        "online": {
            "website_or_app": True,
            "charges_users_or_advertisers": True,
            "third_party_merchants_trade_on_platform": True,
            "content_areas": [
                "news",
                "publishing",
                "audio_video",
                "culture_entertainment",
                "drugs_medical_devices",
            ],
        },
        "dispatches_workers_to_other_employers": True,
        "travel": "domestic_inbound",
        "hazardous_chemicals": {"trades": True},
        "pawn_lending": True,
        "auctions": "general",
        "outbound_investment": {"amount_usd": 1, "sensitive": False},
        "charitable_foundation": {"public_fundraising": False, "scope": "local"},
        "cross_border_vehicles_hk": True,
    }
    result = run(everything)
    assert {n.license: n.in_catalog for n in result.needs} == {
        n.license: n.license in catalog_ids for n in result.needs
    }
    assert need(result, "icp-b25").in_catalog is True
    for license_id in NOT_YET_IN_CATALOG:
        assert need(result, license_id).in_catalog is False


def test_in_catalog_is_false_for_a_license_the_catalog_lacks() -> None:
    only_icp = load_catalog([license_folder("icp-b25") / "license.yaml"])
    result = run({"province": "CN-GD", "dispatches_workers_to_other_employers": True}, catalog=only_icp)
    assert need(result, "labour-dispatch").in_catalog is False
    # the figure comes from the rules file's own parameter while the catalog lacks the license
    assert "不低于 200 万元" in need(result, "labour-dispatch").why_zh


def test_a_charging_site_needs_the_license_and_is_told_about_filing_numbers() -> None:
    result = run(
        {"province": "CN-GD", "online": {"website_or_app": True, "charges_users_or_advertisers": True}}
    )
    icp = need(result, "icp-b25")
    assert icp.kind == "license"
    assert "每个域名仍须取得备案号" in icp.why_zh
    assert "each of its domains still needs a filing number" in icp.why_en
    filing = next(item for item in result.not_needed if item.license == "icp-filing")
    assert filing.why_zh == (
        "网站或 App 收费，应走 ICP 经营许可证路线，而不是非经营性备案；"
        "但其每个域名仍须在许可证项下取得备案号。"
    )


@pytest.mark.parametrize(("across", "key"), [(False, "provincial"), (True, "national")])
def test_capital_figure_comes_from_the_catalog(across: bool, key: str) -> None:
    minimum = parameters_on(loader.default_catalog().license("icp-b25"), AS_OF)["registered_capital_min"][key]
    online = {"website_or_app": True, "charges_users_or_advertisers": True, "users_across_provinces": across}
    icp = need(run({"province": "CN-GD", "online": online}), "icp-b25")
    assert f"注册资本不低于 {wan(minimum, 'zh')}" in icp.why_zh
    assert f"registered capital of at least {wan(minimum, 'en')}" in icp.why_en
    assert ("工业和信息化部" in icp.why_zh) is across


def test_a_changed_catalog_parameter_changes_the_reason(tmp_path: Path) -> None:
    data = yaml.safe_load((license_folder("icp-b25") / "license.yaml").read_text(encoding="utf-8"))
    data["parameters"]["registered_capital_min"]["values"][-1]["value"]["provincial"] = 1_234_500
    (tmp_path / "icp-b25").mkdir()
    changed = tmp_path / "icp-b25" / "license.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    online = {"website_or_app": True, "charges_users_or_advertisers": True}
    icp = need(run({"province": "CN-GD", "online": online}, catalog=load_catalog([changed])), "icp-b25")
    assert "注册资本不低于 123.45 万元" in icp.why_zh


def test_foreign_investors_in_a_pilot_zone_and_outside() -> None:
    online = {"website_or_app": True, "charges_users_or_advertisers": True}
    shenzhen = need(
        run({"province": "CN-GD", "city": "深圳", "foreign_investors": True, "online": online}), "icp-b25"
    )
    assert "试点批复" in shenzhen.why_zh
    cap = parameters_on(loader.default_catalog().license("icp-b25"), AS_OF)["foreign_share_max_pct"]
    guangzhou = need(
        run({"province": "CN-GD", "city": "广州", "foreign_investors": True, "online": online}), "icp-b25"
    )
    assert f"外资股比不得超过 {cap}%" in guangzhou.why_zh
    # before the 2024 pilot, Shenzhen was no exception
    early = run(
        {"province": "CN-GD", "city": "深圳", "foreign_investors": True, "online": online},
        as_of=date(2024, 1, 1),
    )
    assert f"外资股比不得超过 {cap}%" in need(early, "icp-b25").why_zh


def test_foreign_investors_cannot_get_news_or_outbound_tours() -> None:
    result = run(
        {
            "province": "CN-SH",
            "foreign_investors": True,
            "travel": "outbound",
            "online": {"website_or_app": True, "content_areas": ["news"]},
        }
    )
    assert "外商投资企业无法取得该许可" in need(result, "internet-news").why_zh
    travel = need(result, "travel-agency")
    assert travel.tier == "domestic_inbound"
    assert "外商投资旅行社不得经营中国内地居民出国旅游业务" in travel.why_zh
    assert travel.certainty == "L"


def test_uncertain_reasons_are_marked_as_such() -> None:
    result = run(
        {
            "province": "CN-GD",
            "online": {
                "website_or_app": True,
                "third_party_merchants_trade_on_platform": True,
                "content_areas": ["online_games", "healthcare"],
            },
        }
    )
    edi = need(result, "edi-b21")
    assert edi.certainty == "W"
    assert UNCERTAIN_MARKS["W"]["zh"] in edi.why_zh
    assert UNCERTAIN_MARKS["W"]["en"].strip(" ") in edi.why_en
    culture = need(result, "online-culture")
    assert culture.certainty == "U"
    assert culture.why_zh.startswith(
        "网络游戏或直播通常作为网络文化产品，须取得网络文化经营许可证（尚未核实）。"
    )
    health = next(item for item in result.not_needed if item.license == "healthcare-approval")
    assert health.why_zh.endswith("办理前请向省级卫生健康部门确认（尚未核实）。")
    assert health.why_en.endswith("before filing (not verified).")


def test_settled_reasons_carry_no_mark() -> None:
    result = run({"province": "CN-GD", "dispatches_workers_to_other_employers": True})
    dispatch = need(result, "labour-dispatch")
    assert dispatch.certainty == "S"  # the paid-in practice note is S; the statute is L
    for marks in UNCERTAIN_MARKS.values():
        assert marks["zh"] not in dispatch.why_zh


def test_citations_name_title_and_article() -> None:
    result = run({"province": "CN-GD", "dispatches_workers_to_other_employers": True})
    texts = [c.text for c in need(result, "labour-dispatch").citations]
    assert texts[0] == "中华人民共和国劳动合同法 第五十七条"


# -- the rules file --------------------------------------------------------------------------------


BAD_RULES = """
legal_bases:
  - {id: law, title: 法, title_en: Law, certainty: L}
licenses:
  - id: thing
    kind: license
    names: {zh: 许可, en: Licence}
    needs:
      - when: {frobnicate: [1, 2]}
        why: {zh: "须 {amount}", en: "Needs {amount}"}
        citations: [{basis: nowhere}]
        certainty: L
      - when: {var: online.website}
        why: {zh: 须, en: Needs}
        figures: {x: [{parameter: missing_param}]}
        citations: [{basis: law}]
        certainty: S
"""


def test_a_bad_rules_file_reports_every_problem() -> None:
    with pytest.raises(NavigatorRulesError) as raised:
        load_rules_text(BAD_RULES)
    first, *rest = raised.value.problems
    assert first.startswith(
        "licenses[0].needs[0].when.frobnicate: unknown operator 'frobnicate'; known: !=, <"
    )
    assert rest == [
        "licenses[0].needs[0].why.zh: placeholder {amount} is not bound by the rule; known: ",
        "licenses[0].needs[0].why.en: placeholder {amount} is not bound by the rule; known: ",
        "licenses[0].needs[0].citations[0].basis: unknown legal basis 'nowhere'",
        "licenses[0].needs[1].when.var: 'online.website' is not a field of the navigator answers",
        "licenses[0].needs[1].why: figure 'x' source [0]: unknown parameter 'missing_param'",
    ]


def test_a_rules_file_with_unknown_keys_is_refused() -> None:
    with pytest.raises(NavigatorRulesError) as raised:
        load_rules_text("legal_bases: []\nlicenses: []\nextra: 1\n")
    assert "extra: Extra inputs are not permitted" in raised.value.problems


def test_every_figure_resolves_with_the_shipped_catalog() -> None:
    """Each need's figures resolve on the as-of date (a renamed catalog parameter fails here)."""
    rules = default_rules().rules
    catalog_ids = {lic.id for lic in loader.default_catalog().licenses()}
    for lic in rules.licenses:
        for part in (*lic.needs, *lic.notes):
            for name, sources in part.figures.items():
                catalog_sources = [s for s in sources if s.license in catalog_ids]
                for source in catalog_sources:
                    value = parameters_on(loader.default_catalog().license(source.license), AS_OF)
                    for key in source.parameter.split("."):
                        value = value[key]
                    assert isinstance(value, int | float), (lic.id, name)

"""The profile editor's form building: contract JSON ⇄ form fields (plain Python, no database)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from licensedesk.contracts import PROFILE_SCHEMA, load_schema
from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.profile import ProfileError, validate_profile
from licensedesk.web.cases.profile_form import (
    KEPT_EXTENSIONS,
    FieldSpec,
    GroupSpec,
    build_form,
    form_to_profile,
    problem_text,
    profile_specs,
    profile_to_form,
)
from licensedesk.web.demo.services import demo_profiles

from ..factories import ELIGIBLE_PROFILE, incomplete_profile, make_uscc, not_eligible_profile

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
EXAMPLE_PROFILES = ("eligible-shenzhen.json", "incomplete.json", "not-eligible.yaml")

# Every corner of the contract the editor must keep apart: nulls with a meaning, explicit empty lists,
# every kind of list row, fractional numbers, false booleans, free-form extensions.
CORNERS: dict[str, Any] = {
    "schema_version": "1",
    "company": {
        "name": "北京某某科技有限公司（筹）",
        "uscc": None,
        "name_pre_approved": True,
        "entity_type": "limited_company",
        "registered_capital_cny": 1234567.89,
        "business_license_valid_until": None,
        "province": "CN-BJ",
        "business_scope": "第一行\n第二行",
        "legal_representative": {"name": "张三", "id_type": "passport", "id_number": "E12345678"},
        "shareholders": [
            {"name": "某某控股（香港）有限公司", "kind": "entity", "jurisdiction": "HK", "share_pct": 12.5},
            {"name": "张三", "share_pct": 87.5, "uscc": make_uscc(7)},
        ],
        "foreign_ownership_pct": 12.5,
        "staff_total": 0,
        "on_telecom_dishonesty_list": False,
        "financials": {"audited": False, "capital_verification_report": True},
    },
    "service": {
        "coverage": "national",
        "activities": [],
        "content_areas": ["news", "online_games"],
        "pre_approvals": [
            {"area": "news", "document_name": "互联网新闻信息服务许可证", "valid_until": None},
            {"area": "online_games", "number": "（署）网出证（京）字第001号", "valid_until": "2027-01-31"},
        ],
        "websites": [
            {"domain": "example.cn", "owner_uscc": None, "icp_filing_number": None},
            {"domain": "example.com.cn", "icp_filing_number": "京ICP备12345678号-1"},
        ],
        "apps": [{"name": "某某", "platforms": ["iOS", "Android"]}, {"name": "小程序"}],
        "hosting": "hong_kong",
    },
    "readiness": {"business_plan": False, "security": {"website_security_measures": True}},
    "extensions": {"icp-b21": {"stores": 3, "note": "中文"}, "flags": [1, 2.5, None]},
}

EMPTY_LISTS: dict[str, Any] = {
    "schema_version": "1",
    "company": {"name": "深圳市空空科技有限公司", "shareholders": []},
    "service": {"content_areas": [], "pre_approvals": [], "websites": [], "apps": []},
}


def _contract(profile: Any) -> dict[str, Any]:
    return validate_profile(profile).to_contract()


def _profiles() -> list[tuple[str, dict[str, Any]]]:
    found = [
        (name, yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))) for name in EXAMPLE_PROFILES
    ]
    found += [
        ("factories-eligible", ELIGIBLE_PROFILE),
        ("factories-not-eligible", not_eligible_profile("某公司", make_uscc(3))),
        ("factories-incomplete", incomplete_profile("某公司", make_uscc(4))),
        ("corners", CORNERS),
        ("empty-lists", EMPTY_LISTS),
    ]
    found += [(f"demo-{i}", p) for i, p in enumerate(demo_profiles(date(2026, 6, 1)))]
    return found


@pytest.mark.parametrize(("name", "profile"), _profiles(), ids=[n for n, _ in _profiles()])
def test_round_trip_profile_to_form_to_profile_is_identity(name: str, profile: dict[str, Any]) -> None:
    contract = _contract(profile)
    parsed = form_to_profile(profile_to_form(contract))
    assert _contract(parsed.profile) == contract
    assert parsed.blank_rows == {} and parsed.row_action == ""


def _schema_paths(schema: dict[str, Any], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for key, sub in schema.get("properties", {}).items():
        path = f"{prefix}{key}"
        paths.add(path)
        if sub.get("type") == "object":
            paths |= _schema_paths(sub, path + ".")
        if sub.get("type") == "array" and sub["items"].get("type") == "object":
            paths |= _schema_paths(sub["items"], path + "[].")
    return paths


def _spec_paths(specs: tuple[FieldSpec | GroupSpec, ...]) -> set[str]:
    paths: set[str] = set()
    for spec in specs:
        paths.add(spec.path)
        if isinstance(spec, GroupSpec):
            paths |= _spec_paths(spec.children)
    return paths


def _section_paths() -> set[str]:
    """The inputs of every catalog license's own section (``extensions.<license>.<key>``)."""
    catalog = default_catalog()
    paths = set()
    for lic in catalog.licenses():
        section = catalog.section(lic.id)
        if section is not None:
            paths |= {f"extensions.{lic.id}"} | {f"extensions.{lic.id}.{f.key}" for f in section.fields}
    return paths


def test_every_contract_field_has_an_input_labelled_in_both_languages() -> None:
    schema_paths = _schema_paths(load_schema(PROFILE_SCHEMA)) - {"schema_version"}
    assert _section_paths()  # the catalog has licenses with their own facts
    assert _spec_paths(profile_specs()) == schema_paths | _section_paths()
    for lang in ("zh", "en"):
        form = build_form(CORNERS, lang=lang)
        unlabelled = [name for name, item in form._index.items() if not item.label or item.label == name]
        assert unlabelled == []
    assert [s.label for s in build_form(CORNERS, lang="zh").sections] == [
        "公司信息", "服务", "准备情况", "许可证专项信息",
    ]  # fmt: skip


def test_field_kinds_follow_the_contract_models() -> None:
    form = build_form(CORNERS, lang="zh")
    kinds = {
        name: form.field(name).kind
        for name in (
            "company.name",
            "company.business_scope",
            "company.registered_capital_cny",
            "company.staff_total",
            "company.established_on",
            "company.on_telecom_dishonesty_list",
            "company.province",
            "service.content_areas",
            "service.apps[0].platforms",
        )
    }
    assert kinds == {
        "company.name": "text",
        "company.business_scope": "textarea",
        "company.registered_capital_cny": "number",
        "company.staff_total": "integer",
        "company.established_on": "date",
        "company.on_telecom_dishonesty_list": "bool",
        "company.province": "choice",
        "service.content_areas": "multi",
        "service.apps[0].platforms": "strings",
    }
    assert form.field("company.uscc").spec.nullable and not form.field("company.city").spec.nullable


def test_choices_are_labelled_in_the_active_language() -> None:
    zh, en = build_form(CORNERS, lang="zh"), build_form(CORNERS, lang="en")
    assert ("CN-GD", "广东省") in zh.field("company.province").choices
    assert ("CN-GD", "Guangdong") in en.field("company.province").choices
    assert ("limited_company", "有限责任公司") in zh.field("company.entity_type").choices
    assert zh.field("service.content_areas").display == "新闻、网络游戏"
    assert en.field("company.registered_capital_cny").label == "Registered capital (CNY)"
    assert zh.field("company.uscc").null_label == "尚未取得（仅有名称预先核准）"
    assert zh.field("company.shareholders[1].share_pct").label == "持股比例（%）"


def test_empty_inputs_mean_not_known() -> None:
    data = {
        "schema_version": ["1"],
        "company.name": ["深圳市某某科技有限公司"],
        "company.uscc": [""],
        "company.registered_capital_cny": ["   "],
        "company.on_telecom_dishonesty_list": [""],
        "company.legal_representative.name": [""],
        "company.shareholders[0].name": [""],
        "company.shareholders[0].share_pct": [""],
        "service.coverage": [""],
        "readiness.security.website_security_measures": [""],
    }
    parsed = form_to_profile(data)
    assert parsed.profile == {"schema_version": "1", "company": {"name": "深圳市某某科技有限公司"}}
    assert parsed.blank_rows == {"company.shareholders": 1}


def test_booleans_are_yes_no_or_not_known() -> None:
    parsed = form_to_profile(
        {
            "company.name": ["x"],
            "readiness.business_plan": ["true"],
            "readiness.technical_solution": ["false"],
            "readiness.premises_and_facilities": [""],
        }
    )
    assert parsed.profile["readiness"] == {"business_plan": True, "technical_solution": False}


def test_numbers_are_read_leniently_and_what_does_not_parse_is_left_to_the_contract() -> None:
    parsed = form_to_profile(
        {
            "company.name": ["x"],
            "company.registered_capital_cny": ["1,000,000"],
            "company.foreign_ownership_pct": ["12.5"],
            "company.staff_total": ["十二"],
        }
    )
    company = parsed.profile["company"]
    assert company["registered_capital_cny"] == 1000000 and company["foreign_ownership_pct"] == 12.5
    assert company["staff_total"] == "十二"
    with pytest.raises(ProfileError) as caught:
        validate_profile(parsed.profile)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("company.staff_total", "Input should be a valid integer / 应为整数")
    ]


def test_a_null_checkbox_gives_the_contracts_null_unless_a_value_is_typed() -> None:
    parsed = form_to_profile(
        {
            "company.name": ["x"],
            "company.uscc": [""],
            "company.uscc:null": ["1"],
            "company.business_license_valid_until": ["2030-12-31"],
            "company.business_license_valid_until:null": ["1"],
        }
    )
    assert parsed.profile["company"] == {
        "name": "x",
        "uscc": None,
        "business_license_valid_until": "2030-12-31",
    }


def test_rows_add_remove_and_explicit_none() -> None:
    data = profile_to_form(_contract(CORNERS))
    removed = form_to_profile({**data, "_row": ["remove:company.shareholders[0]"]})
    assert removed.row_action == "remove:company.shareholders[0]"
    assert [s["name"] for s in removed.profile["company"]["shareholders"]] == ["张三"]
    added = form_to_profile({**data, "_row": ["add:service.websites"]})
    assert added.blank_rows == {"service.websites": 1}
    assert added.profile == _contract(CORNERS)
    form = build_form(added.profile, lang="zh", blank_rows=added.blank_rows)
    assert [row.name for row in form.field("service.websites").rows] == [
        "service.websites[0]",
        "service.websites[1]",
        "service.websites[2]",
    ]
    assert not form.field("service.websites[2].domain").value
    none = form_to_profile({"company.name": ["x"], "service.pre_approvals:none": ["1"]})
    assert none.profile["service"] == {"pre_approvals": []}


def test_textarea_line_breaks_from_the_browser_are_kept_as_newlines() -> None:
    parsed = form_to_profile({"company.name": ["x"], "company.business_scope": ["a\r\nb"]})
    assert parsed.profile["company"]["business_scope"] == "a\nb"


def test_license_sections_are_inputs_of_their_declared_kinds() -> None:
    kinds = {"text": "text", "textarea": "textarea", "integer": "integer", "number": "number",
             "boolean": "bool", "date": "date", "choice": "choice", "choices": "multi"}  # fmt: skip
    catalog = default_catalog()
    for lang in ("zh", "en"):
        form = build_form(CORNERS, lang=lang)
        for lic in catalog.licenses():
            section = catalog.section(lic.id)
            if section is None:
                continue
            assert form.field(f"extensions.{lic.id}").label == getattr(section.title, lang)
            for spec in section.fields:
                bound = form.field(f"extensions.{lic.id}.{spec.key}")
                assert bound.kind == kinds[spec.type]
                assert bound.label == getattr(spec.label, lang)
                assert bound.choices == [(c.value, getattr(c.label, lang)) for c in spec.choices]


def test_extension_facts_no_input_shows_are_kept_through_the_hidden_input() -> None:
    parsed = form_to_profile({"company.name": ["x"], KEPT_EXTENSIONS: ['{"a": [1, "二"]}']})
    assert parsed.profile["extensions"] == {"a": [1, "二"]}
    broken = form_to_profile({"company.name": ["x"], KEPT_EXTENSIONS: ["{a"]})
    assert broken.profile["extensions"] == "{a"  # kept as it came; the contract refuses it by path


def test_a_form_for_some_licenses_keeps_the_facts_of_the_others() -> None:
    catalog = default_catalog()
    with_section = [lic.id for lic in catalog.licenses() if catalog.section(lic.id) is not None]
    assert len(with_section) >= 2
    shown, other = with_section[0], with_section[1]
    key = catalog.section(other).fields[0].key  # type: ignore[union-attr]
    profile = {"schema_version": "1", "company": {"name": "x"}, "extensions": {other: {key: "kept"}}}
    form = build_form(profile, lang="zh", licenses=[shown])
    # a license whose facts are stored is shown even when not asked for: nothing is hidden away
    assert f"extensions.{other}.{key}" in form._index
    form = build_form({**profile, "extensions": {"zzz": {"a": 1}}}, lang="zh", licenses=[shown])
    assert f"extensions.{other}" not in form._index and f"extensions.{shown}" in form._index
    assert json.loads(form.kept_extensions) == {"zzz": {"a": 1}}
    data = profile_to_form({**profile, "extensions": {"zzz": {"a": 1}}}, [shown])
    assert form_to_profile(data).profile["extensions"] == {"zzz": {"a": 1}}


def _problems(profile: dict[str, Any]) -> list[dict[str, str]]:
    with pytest.raises(ProfileError) as caught:
        validate_profile(profile)
    return [{"path": p.path, "message": p.message} for p in caught.value.problems]


def test_problems_are_placed_next_to_their_inputs() -> None:
    bad = copy.deepcopy(CORNERS)
    bad["company"]["uscc"] = "91440300MA5FXK2Q19"
    bad["company"]["shareholders"][1]["uscc"] = "123"
    bad["company"]["legal_representative"] = {"id_type": "resident_id"}
    bad["service"]["activities"] = ["online_advertising", "bogus"]
    problems = [*_problems(bad), {"path": "", "message": "the whole profile / 整个档案"}]
    form = build_form(bad, lang="zh", problems=problems)
    assert form.field("company.uscc").errors == ["统一社会信用代码校验位应为 8，实际为 9"]
    assert form.field("company.shareholders[1].uscc").errors == ["统一社会信用代码应为 18 位，实际为 3 位"]
    assert form.field("company.legal_representative.name").errors == ["请填写“姓名”"]
    assert form.field("service.activities").errors[0].startswith("取值应为其中之一")
    assert form.errors == ["整个档案"]
    assert form.has_errors
    english = build_form(bad, lang="en", problems=problems)
    assert english.field("company.uscc").errors == ["USCC check character is '9', expected '8'"]
    assert not build_form(CORNERS, lang="zh").has_errors


def test_a_required_field_error_names_the_field_in_both_languages() -> None:
    bad = copy.deepcopy(CORNERS)
    bad["company"]["legal_representative"] = {"id_type": "resident_id"}
    problems = _problems(bad)
    assert build_form(bad, lang="en", problems=problems).field(
        "company.legal_representative.name"
    ).errors == ["Please fill in “Name”"]


def test_provinces_are_offered_in_the_administrative_order_of_gb_t_2260() -> None:
    choices = build_form(CORNERS, lang="zh").field("company.province").choices
    labels = [label for _, label in choices]
    assert labels[:5] == ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区"]
    assert labels[-1] == "新疆维吾尔自治区" and len(labels) == 31


def test_nationality_is_picked_by_chinese_name_and_stored_as_the_iso_code() -> None:
    form = build_form(CORNERS, lang="zh")
    field = form.field("company.shareholders[0].jurisdiction")
    assert field.kind == "choice"
    assert field.choices[:4] == [
        ("CN", "中国"),
        ("HK", "中国香港特别行政区"),
        ("MO", "中国澳门特别行政区"),
        ("TW", "台湾"),
    ]
    assert ("US", "美国") in field.choices and ("JP", "日本") in field.choices
    assert not any(code in {"EU", "UN", "ZZ"} for code, _ in field.choices)
    assert ("US", "United States") in build_form(CORNERS, lang="en").field(
        "company.shareholders[0].jurisdiction"
    ).choices
    data = profile_to_form(CORNERS)
    data["company.shareholders[0].jurisdiction"] = ["US"]  # what the select posts
    profile = form_to_profile(data).profile
    assert profile["company"]["shareholders"][0]["jurisdiction"] == "US"
    validate_profile(profile)


def test_a_stored_nationality_the_list_does_not_know_stays_selected() -> None:
    odd = copy.deepcopy(CORNERS)
    odd["company"]["shareholders"][0]["jurisdiction"] = "QQ"
    field = build_form(odd, lang="zh").field("company.shareholders[0].jurisdiction")
    assert field.choices[0] == ("QQ", "QQ") and field.value == "QQ"


def test_problem_text_picks_the_language_part() -> None:
    assert problem_text("Field required / 缺少必填字段", "zh") == "缺少必填字段"
    assert problem_text("Field required / 缺少必填字段", "en") == "Field required"
    assert problem_text("已有相同代码", "en") == "已有相同代码"


def test_form_data_is_what_the_browser_would_post() -> None:
    data = profile_to_form(_contract(CORNERS))
    assert data["company.uscc:null"] == ["1"]
    assert data["service.activities:none"] == ["1"]
    assert data["company.registered_capital_cny"] == ["1234567.89"]
    assert data["service.content_areas"] == ["news", "online_games"]
    assert data["service.apps[0].platforms"] == ["iOS; Android"]
    assert json.loads(data[KEPT_EXTENSIONS][0]) == CORNERS["extensions"]  # no catalog license's section
    assert all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in data.values())


def test_adding_a_row_puts_the_focus_on_the_new_rows_first_input() -> None:
    data = profile_to_form(CORNERS)
    data["_row"] = ["add:company.shareholders"]
    parsed = form_to_profile(data)
    form = build_form(parsed.profile, lang="zh", blank_rows=parsed.blank_rows, row_action=parsed.row_action)
    added = f"company.shareholders[{len(CORNERS['company']['shareholders'])}]"
    assert form.field(f"{added}.name").autofocus
    focused = [name for name, bound in form._index.items() if getattr(bound, "autofocus", False)]
    assert focused == [f"{added}.name"]
    assert not any(getattr(b, "autofocus", False) for b in build_form(CORNERS, lang="zh")._index.values())

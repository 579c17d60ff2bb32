"""Which authority issues the ICP license: the province's communications administration, or MIIT for
cross-regional (national) services (Telecom Regulations art. 9)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from licensedesk.contracts import PROFILE_SCHEMA, load_schema
from licensedesk.core.eligibility import evaluator_for
from licensedesk.core.profile import validate_profile
from licensedesk.core.provinces import province_by_code

AS_OF = date(2026, 11, 28)
PROVINCE_CODES = load_schema(PROFILE_SCHEMA)["properties"]["company"]["properties"]["province"]["enum"]
NO_PROVINCE_WARNING = "企业档案未填写注册省份，无法确定受理的通信管理局。"


def check(company: dict[str, Any], service: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"schema_version": "1", "company": {"name": "某某科技有限公司", **company}}
    if service is not None:
        data["service"] = service
    return evaluator_for("icp-b25", AS_OF).check(validate_profile(data).to_contract())


def test_schema_lists_all_31_provinces() -> None:
    assert len(PROVINCE_CODES) == 31
    assert len(set(PROVINCE_CODES)) == 31


@pytest.mark.parametrize("code", PROVINCE_CODES)
def test_provincial_service_goes_to_the_provincial_administration(code: str) -> None:
    result = check({"province": code}, {"coverage": "provincial"})
    province = province_by_code(code)
    assert result["authority"]["id"] == code
    assert result["authority"]["name_zh"] == f"{province.name_zh}通信管理局"
    assert result["authority"]["name_en"] == f"{province.name_en} Communications Administration"
    assert NO_PROVINCE_WARNING not in result["warnings"]


@pytest.mark.parametrize(
    ("code", "name_zh"),
    [
        ("CN-GD", "广东省通信管理局"),
        ("CN-BJ", "北京市通信管理局"),
        ("CN-SH", "上海市通信管理局"),
        ("CN-CQ", "重庆市通信管理局"),
        ("CN-GX", "广西壮族自治区通信管理局"),
        ("CN-XJ", "新疆维吾尔自治区通信管理局"),
        ("CN-NM", "内蒙古自治区通信管理局"),
        ("CN-NX", "宁夏回族自治区通信管理局"),
        ("CN-XZ", "西藏自治区通信管理局"),
        ("CN-HL", "黑龙江省通信管理局"),
    ],
)
def test_provincial_administration_names(code: str, name_zh: str) -> None:
    authority = check({"province": code}, {"coverage": "provincial"})["authority"]
    assert authority == {"id": code, "name_zh": name_zh, "name_en": authority["name_en"]}


def test_guangdong_english_name() -> None:
    authority = check({"province": "CN-GD"})["authority"]
    assert authority["name_en"] == "Guangdong Communications Administration"


def test_absent_coverage_goes_to_the_province() -> None:
    result = check({"province": "CN-ZJ"})
    assert result["authority"]["id"] == "CN-ZJ"
    assert result["authority"]["name_zh"] == "浙江省通信管理局"


@pytest.mark.parametrize("company", [{"province": "CN-GD"}, {"province": "CN-XJ"}, {}])
def test_national_service_goes_to_miit(company: dict[str, Any]) -> None:
    result = check(company, {"coverage": "national"})
    assert result["authority"] == {
        "id": "MIIT",
        "name_zh": "中华人民共和国工业和信息化部",
        "name_en": "Ministry of Industry and Information Technology",
    }
    assert NO_PROVINCE_WARNING not in result["warnings"]


@pytest.mark.parametrize("service", [None, {"coverage": "provincial"}, {}])
def test_absent_province_is_unknown_with_a_warning(service: dict[str, Any] | None) -> None:
    result = check({}, service)
    assert result["authority"]["id"] == "UNKNOWN"
    assert result["authority"]["name_zh"] == "待定（须填写注册省份）"
    assert NO_PROVINCE_WARNING in result["warnings"]
    assert (
        "The province of registration is not given in the company profile, so the issuing administration "
        "cannot be named." in result["warnings_en"]
    )


def test_province_warning_is_given_once() -> None:
    result = check({})
    assert result["warnings"].count(NO_PROVINCE_WARNING) == 1

"""Province table: must match the schema enum and domain-facts §1.9 exactly, since parsers key on it."""

from __future__ import annotations

import dataclasses
import json
import re
from importlib.resources import files

import pytest

from licensedesk.core.provinces import (
    Province,
    all_provinces,
    province_by_code,
    province_by_filing_char,
    province_by_gb2260,
    province_by_license_prefix,
)

# domain-facts §1.9, transcribed independently of provinces.yaml:
# ISO code -> (GB/T 2260, abbreviation, ICP filing char, licence prefixes)
FACTS_1_9: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "CN-BJ": ("11", "京", "京", ("京",)),
    "CN-TJ": ("12", "津", "津", ("津",)),
    "CN-HE": ("13", "冀", "冀", ("冀",)),
    "CN-SX": ("14", "晋", "晋", ("晋",)),
    "CN-NM": ("15", "蒙", "蒙", ("蒙",)),
    "CN-LN": ("21", "辽", "辽", ("辽",)),
    "CN-JL": ("22", "吉", "吉", ("吉",)),
    "CN-HL": ("23", "黑", "黑", ("黑",)),
    "CN-SH": ("31", "沪", "沪", ("沪",)),
    "CN-JS": ("32", "苏", "苏", ("苏",)),
    "CN-ZJ": ("33", "浙", "浙", ("浙",)),
    "CN-AH": ("34", "皖", "皖", ("皖",)),
    "CN-FJ": ("35", "闽", "闽", ("闽",)),
    "CN-JX": ("36", "赣", "赣", ("赣",)),
    "CN-SD": ("37", "鲁", "鲁", ("鲁",)),
    "CN-HA": ("41", "豫", "豫", ("豫",)),
    "CN-HB": ("42", "鄂", "鄂", ("鄂",)),
    "CN-HN": ("43", "湘", "湘", ("湘",)),
    "CN-GD": ("44", "粤", "粤", ("粤",)),
    "CN-GX": ("45", "桂", "桂", ("桂",)),
    "CN-HI": ("46", "琼", "琼", ("琼",)),
    "CN-CQ": ("50", "渝", "渝", ("渝",)),
    "CN-SC": ("51", "川", "蜀", ("川",)),
    "CN-GZ": ("52", "贵", "黔", ("黔",)),
    "CN-YN": ("53", "云", "滇", ("滇",)),
    "CN-XZ": ("54", "藏", "藏", ("藏",)),
    "CN-SN": ("61", "陕", "陕", ("陕",)),
    "CN-GS": ("62", "甘", "陇", ("甘", "陇")),
    "CN-QH": ("63", "青", "青", ("青",)),
    "CN-NX": ("64", "宁", "宁", ("宁",)),
    "CN-XJ": ("65", "新", "新", ("新",)),
}
# Rows whose §1.9 evidence column cites Src-FOOT; every other row is [U].
SRC_FOOT_ROWS = {"CN-BJ", "CN-SH", "CN-ZJ", "CN-SD", "CN-GD", "CN-SC", "CN-GZ", "CN-YN", "CN-GS"}
MUNICIPALITIES = {"CN-BJ", "CN-TJ", "CN-SH", "CN-CQ"}
AUTONOMOUS_REGIONS = {
    "CN-NM": "内蒙古自治区",
    "CN-GX": "广西壮族自治区",
    "CN-XZ": "西藏自治区",
    "CN-NX": "宁夏回族自治区",
    "CN-XJ": "新疆维吾尔自治区",
}


def _schema_province_enum() -> list[str]:
    schema_file = files("licensedesk") / "contracts" / "company-profile.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return schema["properties"]["company"]["properties"]["province"]["enum"]


def test_exactly_the_31_schema_codes() -> None:
    codes = [p.code for p in all_provinces()]
    enum = _schema_province_enum()
    assert len(codes) == 31
    assert len(set(codes)) == 31
    assert set(codes) == set(enum)


def test_codes_look_like_iso_3166_2() -> None:
    assert all(re.fullmatch(r"CN-[A-Z]{2}", p.code) for p in all_provinces())


@pytest.mark.parametrize("attribute", ["gb2260", "abbr", "filing_char", "name_zh", "short_zh", "name_en"])
def test_attribute_is_unique(attribute: str) -> None:
    values = [getattr(p, attribute) for p in all_provinces()]
    assert len(set(values)) == len(values)


def test_license_prefixes_never_shared_between_provinces() -> None:
    prefixes = [ch for p in all_provinces() for ch in p.license_prefixes]
    assert len(set(prefixes)) == len(prefixes)


def test_matches_domain_facts_table() -> None:
    actual = {p.code: (p.gb2260, p.abbr, p.filing_char, p.license_prefixes) for p in all_provinces()}
    assert actual == FACTS_1_9


def test_gb2260_is_two_ascii_digits_and_ordered() -> None:
    codes = [p.gb2260 for p in all_provinces()]
    assert all(re.fullmatch(r"[0-9]{2}", c) for c in codes)
    assert codes == sorted(codes)


def test_names_end_in_official_suffix() -> None:
    for p in all_provinces():
        assert p.name_zh.endswith(("省", "市", "自治区")), p.name_zh
        assert p.name_zh.startswith(p.short_zh), p.name_zh


def test_municipalities_and_autonomous_regions() -> None:
    by_code = {p.code: p for p in all_provinces()}
    assert {c for c, p in by_code.items() if p.name_zh.endswith("市")} == MUNICIPALITIES
    assert {c: by_code[c].name_zh for c in AUTONOMOUS_REGIONS} == AUTONOMOUS_REGIONS
    provinces = set(by_code) - MUNICIPALITIES - set(AUTONOMOUS_REGIONS)
    assert all(by_code[c].name_zh.endswith("省") for c in provinces)


def test_certainty_marks_follow_evidence() -> None:
    for p in all_provinces():
        expected = "S" if p.code in SRC_FOOT_ROWS else "U"
        assert p.certainty == expected, p.code
        assert p.source.strip()
        if expected == "S":
            assert "Src-FOOT" in p.source


def test_gansu_prefix_uncertainty_is_recorded() -> None:
    gansu = province_by_code("CN-GS")
    assert gansu.license_prefixes == ("甘", "陇")
    assert "[U]" in gansu.source


def test_lookup_by_code() -> None:
    assert province_by_code("CN-GD").name_zh == "广东省"
    assert province_by_code("CN-GD").name_en == "Guangdong"


@pytest.mark.parametrize("code", ["CN-HK", "CN-MO", "CN-TW", "cn-gd", "GD", ""])
def test_unknown_code_raises_key_error_with_the_code(code: str) -> None:
    with pytest.raises(KeyError) as info:
        province_by_code(code)
    assert info.value.args == (code,)


def test_lookup_by_gb2260() -> None:
    assert province_by_gb2260("44") is province_by_code("CN-GD")
    assert province_by_gb2260("65") is province_by_code("CN-XJ")
    for not_mainland in ("71", "81", "82", "83", "99", "4", "440", ""):
        assert province_by_gb2260(not_mainland) is None


def test_sichuan_filing_char_differs_from_licence_prefix() -> None:
    sichuan = province_by_code("CN-SC")
    assert province_by_filing_char("蜀") is sichuan
    assert province_by_filing_char("川") is None
    assert province_by_license_prefix("川") is sichuan
    assert province_by_license_prefix("蜀") is None


def test_gansu_accepts_both_licence_prefixes() -> None:
    gansu = province_by_code("CN-GS")
    assert province_by_license_prefix("甘") is gansu
    assert province_by_license_prefix("陇") is gansu
    assert province_by_filing_char("陇") is gansu


def test_every_province_round_trips_through_every_lookup() -> None:
    for p in all_provinces():
        assert province_by_code(p.code) is p
        assert province_by_gb2260(p.gb2260) is p
        assert province_by_filing_char(p.filing_char) is p
        assert all(province_by_license_prefix(ch) is p for ch in p.license_prefixes)


def test_lookups_tolerate_non_string_keys() -> None:
    assert province_by_gb2260(44) is None  # type: ignore[arg-type]
    assert province_by_filing_char(None) is None  # type: ignore[arg-type]


def test_loaded_once_and_immutable() -> None:
    assert all_provinces() is all_provinces()
    guangdong = province_by_code("CN-GD")
    with pytest.raises(dataclasses.FrozenInstanceError):
        guangdong.abbr = "X"  # type: ignore[misc]
    assert not hasattr(guangdong, "__dict__")
    assert isinstance(guangdong, Province)
    assert isinstance(guangdong.license_prefixes, tuple)

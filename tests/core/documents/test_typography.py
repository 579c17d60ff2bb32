from __future__ import annotations

from datetime import date

import pytest

from licensedesk.core.documents.typography import (
    cn_date,
    full_width_punctuation,
    jurisdiction_zh,
    labels_zh,
    pct,
    rmb_upper,
    wan,
    wan_number,
    yuan,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(date(2026, 11, 28), "2026年11月28日"), ("2026-01-05", "2026年1月5日"), ("2021-03-15", "2021年3月15日")],
)
def test_dates_are_written_the_chinese_way_without_leading_zeros(value: object, shown: str) -> None:
    assert cn_date(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1_000_000, "100万元"),
        (10_000_000, "1000万元"),
        (999_999, "99.9999万元"),
        (1_234_567.5, "123.45675万元"),
    ],
)
def test_amounts_in_wan_are_exact(value: float, shown: str) -> None:
    assert wan(value) == shown
    assert wan_number(value) + "万元" == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (30_000, "叁万元整"),
        (1_000_000, "壹佰万元整"),
        (10_001, "壹万零壹元整"),
        (100_010_000, "壹亿零壹万元整"),
        (1_050.5, "壹仟零伍拾元伍角"),
        (1_234_567.89, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
        (0.05, "伍分"),
        (0, "零元整"),
    ],
)
def test_capital_numerals_as_contracts_write_them(value: float, shown: str) -> None:
    assert rmb_upper(value) == shown


def test_capital_numerals_refuse_negative_amounts() -> None:
    with pytest.raises(ValueError, match="amount out of range for capital numerals: -1"):
        rmb_upper(-1)


def test_yuan_and_percent() -> None:
    assert yuan(30_000) == "30,000元"
    assert yuan(30_000.5) == "30,000.50元"
    assert pct(70) == "70%"
    assert pct(33.33) == "33.33%"


def test_ascii_punctuation_next_to_chinese_becomes_full_width() -> None:
    assert full_width_punctuation("深圳市云帆(香港)有限公司") == "深圳市云帆（香港）有限公司"
    assert full_width_punctuation("联系人:林晓梅,电话") == "联系人：林晓梅，电话"


def test_ascii_punctuation_between_latin_characters_is_kept() -> None:
    assert full_width_punctuation("工作日 9:00–18:00") == "工作日 9:00–18:00"
    assert full_width_punctuation("Example Co., Ltd. (HK)") == "Example Co., Ltd. (HK)"


def test_labels_and_jurisdictions_in_chinese() -> None:
    assert labels_zh(["online_advertising", "membership_fees"]) == "网络广告、会员收费"
    assert jurisdiction_zh("HK") == "中国香港"
    assert jurisdiction_zh("ZZ") == "ZZ"

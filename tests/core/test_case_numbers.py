"""Case-number formats: parsed by hand, only {year} and {seq}/{seq:0Nd}, the problem named in Chinese."""

from __future__ import annotations

import pytest

from licensedesk.core.case_numbers import CaseNumberFormatError, format_case_number, parse_case_number_format


@pytest.mark.parametrize(
    ("fmt", "number"),
    [
        ("PC-{year}-{seq:04d}", "PC-2026-0007"),
        ("{year}{seq:06d}", "2026000007"),
        ("鹏程〔{year}〕{seq}号", "鹏程〔2026〕7号"),
        ("A-{seq:02d}", "A-07"),
        ("{{{year}}}-{seq:03d}", "{2026}-007"),
    ],
)
def test_formats_render_year_and_padded_sequence(fmt: str, number: str) -> None:
    assert format_case_number(fmt, year=2026, seq=7) == number


def test_a_sequence_wider_than_its_padding_is_kept_whole() -> None:
    assert format_case_number("PC-{seq:02d}", year=2026, seq=1234) == "PC-1234"


@pytest.mark.parametrize(
    ("fmt", "message_zh"),
    [
        ("PC-{year}", "案件编号格式须包含且仅包含一个 {seq}（流水号）占位符。"),
        ("{seq}-{seq}", "案件编号格式须包含且仅包含一个 {seq}（流水号）占位符。"),
        ("{year}-{year}-{seq}", "案件编号格式中 {year} 最多出现一次。"),
        ("{seq.__class__}", "无法识别的占位符 {seq.__class__}：只能使用 {year}、{seq} 或 {seq:04d}。"),
        ("{0.__globals__}{seq}", "无法识别的占位符 {0.__globals__}：只能使用 {year}、{seq} 或 {seq:04d}。"),
        ("{seq:>10}", "无法识别的占位符 {seq:>10}：只能使用 {year}、{seq} 或 {seq:04d}。"),
        ("PC-{month}-{seq}", "无法识别的占位符 {month}：只能使用 {year}、{seq} 或 {seq:04d}。"),
        ("PC-{seq", "无法识别的占位符 {seq：只能使用 {year}、{seq} 或 {seq:04d}。"),
        ("PC}-{seq}", "多余的右花括号：如需字面花括号请写 }}。"),
        ("", "请填写案件编号格式。"),
        ("X" * 61 + "{seq}", "案件编号格式最多 60 个字符。"),
    ],
)
def test_anything_else_is_refused_saying_what(fmt: str, message_zh: str) -> None:
    with pytest.raises(CaseNumberFormatError) as caught:
        parse_case_number_format(fmt)
    assert caught.value.message_zh == message_zh

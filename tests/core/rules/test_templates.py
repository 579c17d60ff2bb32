"""Explanation templates: placeholder validation (at catalog load) and rendering in Chinese and English."""

from __future__ import annotations

from typing import Any

import pytest

from licensedesk.core.labels import label
from licensedesk.core.rules.compiler import Unknown
from licensedesk.core.rules.templates import placeholder_problems, placeholders, render

KNOWN = ["capital", "minimum"]
FORMATS = "known: wan, pct, list"


# -- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "没有占位符。",
        "{capital}",
        "注册资本 {capital:wan}，不低于 {minimum:wan}。",
        "{capital:pct}",
        "{capital:list}",
        "{{capital}} is escaped",
        "{{x.__class__}}",
    ],
)
def test_sound_templates(text: str) -> None:
    assert placeholder_problems(text, KNOWN) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{coverage}", ["placeholder {coverage} is not bound by the rule; known: capital, minimum"]),
        ("{capital.__class__}", ["placeholder {capital.__class__} must be a plain name"]),
        ("{capital.real}", ["placeholder {capital.real} must be a plain name"]),
        ("{capital[0]}", ["placeholder {capital[0]} must be a plain name"]),
        ("{0}", ["placeholder {0} must be a plain name"]),
        ("{}", ["placeholder {} must be a plain name"]),
        ("{capital!r}", ["placeholder {capital} must not use a conversion (!r)"]),
        ("{capital!s}", ["placeholder {capital} must not use a conversion (!s)"]),
        ("{capital:bad}", [f"placeholder {{capital:bad}} uses an unknown format; {FORMATS}"]),
        ("{capital:>10}", [f"placeholder {{capital:>10}} uses an unknown format; {FORMATS}"]),
        ("{capital:{minimum}}", [f"placeholder {{capital:{{minimum}}}} uses an unknown format; {FORMATS}"]),
        ("{", ["malformed template: Single '{' encountered in format string"]),
        ("注册资本 }", ["malformed template: Single '}' encountered in format string"]),
        (
            "{other!r:bad}",
            [
                "placeholder {other} is not bound by the rule; known: capital, minimum",
                "placeholder {other} must not use a conversion (!r)",
                f"placeholder {{other:bad}} uses an unknown format; {FORMATS}",
            ],
        ),
        (
            "{a} and {b.c}",
            [
                "placeholder {a} is not bound by the rule; known: capital, minimum",
                "placeholder {b.c} must be a plain name",
            ],
        ),
    ],
)
def test_placeholder_problems(text: str, expected: list[str]) -> None:
    assert placeholder_problems(text, KNOWN) == expected


def test_known_names_are_listed_sorted() -> None:
    assert placeholder_problems("{x}", ["zeta", "alpha", "as_of"]) == [
        "placeholder {x} is not bound by the rule; known: alpha, as_of, zeta"
    ]


def test_no_known_names() -> None:
    assert placeholder_problems("{x}", []) == ["placeholder {x} is not bound by the rule; known: "]


def test_placeholders() -> None:
    assert placeholders("注册资本 {capital:wan}，{minimum} {{literal}} {capital}") == {"capital", "minimum"}
    assert placeholders("none") == set()


# -- rendering --------------------------------------------------------------------------------------


def zh(text: str, **bindings: Any) -> str:
    return render(text, bindings, "zh", label)


def en(text: str, **bindings: Any) -> str:
    return render(text, bindings, "en", label)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_000_000, "100 万元"),
        (10_000_000, "1,000 万元"),
        (1_500_000, "150 万元"),
        (50_000, "5 万元"),
        (0, "0 万元"),
        (1_000_000.0, "100 万元"),
        (2_500_000.0, "250 万元"),
        (999_999, "99.9999 万元"),  # must not round up to the 100 万元 minimum
        (1_234_567, "123.4567 万元"),
    ],
)
def test_wan_in_chinese(value: float, expected: str) -> None:
    assert zh("{v:wan}", v=value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1_000_000, "CNY 1,000,000"), (999_999, "CNY 999,999"), (10_000_000, "CNY 10,000,000"), (0, "CNY 0")],
)
def test_wan_in_english_is_yuan(value: float, expected: str) -> None:
    assert en("{v:wan}", v=value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(50, "50%"), (50.01, "50.01%"), (0, "0%"), (12.5, "12.5%"), (100, "100%")]
)
def test_pct(value: float, expected: str) -> None:
    assert zh("{v:pct}", v=value) == expected
    assert en("{v:pct}", v=value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(5, "5"), (1234, "1,234"), (2.5, "2.50"), (0, "0"), (3.0, "3")]
)
def test_plain_numbers(value: float, expected: str) -> None:
    assert zh("{v}", v=value) == expected


@pytest.mark.parametrize(("value", "zh_text", "en_text"), [(True, "是", "yes"), (False, "否", "no")])
def test_booleans(value: bool, zh_text: str, en_text: str) -> None:
    assert zh("{v}", v=value) == zh_text
    assert en("{v}", v=value) == en_text
    assert zh("{v:wan}", v=value) == zh_text  # a boolean is never shown as a number


def test_unknown_values() -> None:
    assert zh("注册资本 {v:wan}", v=Unknown(("company.registered_capital_cny",))) == "注册资本 未知"
    assert en("capital {v:wan}", v=Unknown()) == "capital ?"


def test_none() -> None:
    assert zh("{v}", v=None) == "无"
    assert en("{v}", v=None) == "none"


@pytest.mark.parametrize(
    ("value", "zh_text", "en_text"),
    [
        (["education", "news"], "教育、新闻", "education, news"),
        (("healthcare",), "医疗保健", "healthcare"),
        (
            ["drugs_medical_devices", "bulletin_board"],
            "药品和医疗器械、电子公告",
            "drugs and medical devices, bulletin board",
        ),
        (["not_a_label", "news"], "not_a_label、新闻", "not_a_label, news"),
        ([], "无", "none"),
    ],
)
def test_lists_are_joined_with_labels(value: list[str], zh_text: str, en_text: str) -> None:
    assert zh("{v}", v=value) == zh_text
    assert zh("{v:list}", v=value) == zh_text
    assert en("{v}", v=value) == en_text


@pytest.mark.parametrize(
    ("value", "zh_text", "en_text"),
    [
        ("limited_company", "有限责任公司", "limited liability company"),
        ("national", "跨地区（全国）", "cross-regional (national)"),
        ("provincial", "单一省份", "single-province"),
        ("declared", "申报值", "as declared"),
        ("derived_from_shareholders", "根据股东持股推算", "derived from the shareholders"),
        ("within_foreign_cap", "未超过上限", "within the cap"),
        ("hong_kong", "香港", "Hong Kong"),
        ("CN-GD", "CN-GD", "CN-GD"),
        ("2026-11-28", "2026-11-28", "2026-11-28"),
    ],
)
def test_strings_use_labels_yaml(value: str, zh_text: str, en_text: str) -> None:
    assert zh("{v}", v=value) == zh_text
    assert en("{v}", v=value) == en_text


def test_full_sentence() -> None:
    bindings = {"capital": 5_000_000, "minimum": 10_000_000, "coverage": "national"}
    assert zh("注册资本 {capital:wan}，低于{coverage}经营所需的 {minimum:wan}。", **bindings) == (
        "注册资本 500 万元，低于跨地区（全国）经营所需的 1,000 万元。"
    )
    assert en(
        "Registered capital of {capital:wan} is below {minimum:wan} for {coverage} coverage.", **bindings
    ) == (
        "Registered capital of CNY 5,000,000 is below CNY 10,000,000 for cross-regional (national) coverage."
    )


def test_unused_bindings_are_ignored_and_missing_ones_raise() -> None:
    assert zh("固定文字", capital=1) == "固定文字"
    with pytest.raises(KeyError):
        zh("{capital}")

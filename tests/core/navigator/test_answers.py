"""The navigator's answers: the published schema equals the model, every bad path is named, unknown
keys are refused, and whatever the schema allows the parser accepts or refuses cleanly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from licensedesk.core.navigator.answers import (
    Answers,
    AnswersError,
    answers_json_schema,
    parse_answers,
    parse_answers_text,
    schema_text,
)
from licensedesk.core.navigator.navigate import result_json_schema

REPO = Path(__file__).resolve().parents[3]
PACKAGED = REPO / "src" / "licensedesk" / "contracts"
SCHEMA = answers_json_schema()


def problems(data: Any) -> list[str]:
    with pytest.raises(AnswersError) as raised:
        parse_answers(data)
    return raised.value.problems


@pytest.mark.parametrize(
    ("name", "schema"),
    [("navigator-answers.schema.json", SCHEMA), ("navigator-result.schema.json", result_json_schema())],
)
def test_published_schema_is_the_models(name: str, schema: dict[str, Any]) -> None:
    assert (PACKAGED / name).read_text(encoding="utf-8") == schema_text(schema)
    Draft202012Validator.check_schema(schema)


def test_minimal_answers_default_to_nothing() -> None:
    answers = parse_answers({"province": "CN-GD"})
    assert answers.online.website_or_app is False
    assert answers.travel == "none"
    assert answers.outbound_investment is None


def test_every_problem_is_named_by_its_path() -> None:
    assert problems(
        {
            "province": "guangdong",
            "online": {"website_or_app": "perhaps", "content_areas": ["news", "gossip"], "extra": 1},
            "travel": "moon",
            "outbound_investment": {"amount_usd": -5},
            "colour": "red",
        }
    ) == [
        "province: String should match pattern '^CN-[A-Z]{2}$'",
        "online.website_or_app: Input should be a valid boolean, unable to interpret input",
        "online.content_areas[1]: Input should be 'news', 'publishing', 'education', 'healthcare', "
        "'drugs_medical_devices', 'bulletin_board', 'culture_entertainment', 'online_games', 'audio_video', "
        "'live_streaming', 'religion', 'finance' or 'none'",
        "online.extra: unknown key / 未知字段",
        "travel: Input should be 'none', 'domestic_inbound' or 'outbound'",
        "outbound_investment.amount_usd: Input should be greater than or equal to 0",
        "outbound_investment.sensitive: required / 必填",
        "colour: unknown key / 未知字段",
    ]


def test_an_unknown_province_code() -> None:
    assert problems({"province": "CN-ZZ"}) == [
        "province: unknown province code 'CN-ZZ' (expected e.g. CN-GD)"
    ]


def test_province_is_required() -> None:
    assert problems({}) == ["province: required / 必填"]


def test_online_details_without_a_website_are_refused() -> None:
    assert problems(
        {"province": "CN-GD", "online": {"charges_users_or_advertisers": True, "content_areas": ["news"]}}
    ) == [
        "online.charges_users_or_advertisers: only applies to a website or app; "
        "online.website_or_app is false",
        "online.content_areas: only applies to a website or app; online.website_or_app is false",
    ]


def test_content_areas_listed_twice_or_none_with_others() -> None:
    assert problems(
        {"province": "CN-GD", "online": {"website_or_app": True, "content_areas": ["news", "news"]}}
    ) == ["online.content_areas: each content area may be listed once"]
    assert problems(
        {"province": "CN-GD", "online": {"website_or_app": True, "content_areas": ["none", "news"]}}
    ) == ["online.content_areas: 'none' cannot be listed with other content areas"]


def test_not_a_mapping_and_not_yaml() -> None:
    assert problems(["CN-GD"]) == ["(answers): expected a mapping of answers / 应为键值对"]
    with pytest.raises(AnswersError) as raised:
        parse_answers_text("province: [unclosed")
    assert raised.value.problems[0].startswith("(answers): not valid JSON or YAML:")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(from_schema(copy.deepcopy(SCHEMA)))
def test_what_the_schema_allows_is_accepted_or_refused_cleanly(data: dict[str, Any]) -> None:
    try:
        answers = parse_answers(data)
    except AnswersError as exc:
        # beyond the schema: a real province, no duplicated areas, no online details without a site
        assert exc.problems
        assert all(("province" in p) or ("online." in p) for p in exc.problems), exc.problems
    else:
        assert isinstance(answers, Answers)
        assert Draft202012Validator(SCHEMA).is_valid(json.loads(answers.model_dump_json()))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=20))
def test_any_unknown_top_level_key_is_named(key: str) -> None:
    if key in Answers.model_fields:
        return
    assert f"{key}: unknown key / 未知字段" in problems({"province": "CN-GD", key: True})

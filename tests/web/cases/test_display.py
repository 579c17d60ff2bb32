"""What the screens show about a case beyond its fields: step indicator, due dates, the active
language's text of bilingual data."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone, translation

from licensedesk.core.errors import InvalidInput
from licensedesk.web.cases.display import (
    case_due_on,
    error_text,
    is_overdue,
    license_name,
    localized,
    stage_choices,
    stage_steps,
    stage_title,
)

from ..factories import LICENSE, RULESET


def _case(stage: str, **fields: Any) -> SimpleNamespace:
    defaults = {"stage_due_on": None, "target_date": None, "closed_at": None}
    return SimpleNamespace(license_id=LICENSE, ruleset_version=RULESET, stage=stage, **{**defaults, **fields})


def test_steps_run_to_the_normal_end_and_mark_the_current_stage() -> None:
    steps = stage_steps(_case("collecting_materials"), "zh")
    assert [s.title for s in steps][:4] == ["资质审核", "已签委托合同", "收集材料", "审核材料"]
    assert steps[-1].title == "已领证" and "不予许可" not in [s.title for s in steps]
    assert [s.state for s in steps[:4]] == ["done", "done", "current", "todo"]


def test_a_case_at_another_end_shows_that_end() -> None:
    steps = stage_steps(_case("withdrawn"), "en")
    assert steps[-1].title == "Withdrawn" and steps[-1].state == "current"
    assert "Licensed" not in [s.title for s in steps]
    assert all(s.state == "done" for s in steps[:-1])


def test_due_is_the_nearest_deadline_of_an_open_case() -> None:
    soon, later = date(2026, 3, 2), date(2026, 5, 1)
    assert case_due_on(_case("drafting", stage_due_on=later, target_date=soon)) == soon
    assert case_due_on(_case("drafting", target_date=later)) == later
    assert case_due_on(_case("drafting")) is None
    assert case_due_on(_case("licensed", target_date=soon, closed_at=timezone.now())) is None
    today = timezone.localdate()
    assert is_overdue(today - timedelta(days=1)) and not is_overdue(today) and not is_overdue(None)


def test_localized_picks_the_active_language_with_fallbacks() -> None:
    condition = {
        "title_zh": "注册资本",
        "title_en": "Registered capital",
        "reason": "不足",
        "reason_en": "short",
    }
    guard = SimpleNamespace(message="Run a check first.", message_zh="请先运行检查。")
    with translation.override("zh-hans"):
        assert (localized(condition, "title"), localized(condition, "reason")) == ("注册资本", "不足")
        assert localized(guard, "message") == "请先运行检查。"
    with translation.override("en"):
        assert (localized(condition, "title"), localized(condition, "reason")) == (
            "Registered capital",
            "short",
        )
        assert localized(guard, "message") == "Run a check first."
        assert localized({"because": "仅中文"}, "because") == "仅中文"  # no English: the Chinese, not nothing
    assert localized({}, "reason") == ""


def test_names_of_licenses_stages_and_errors() -> None:
    with translation.override("en"):
        assert license_name(LICENSE) == "ICP license" and license_name("no-such") == "no-such"
        assert stage_title(_case("drafting")) == "Drafting"
        assert stage_title(_case("gone_stage")) == "gone_stage"
        assert error_text(InvalidInput("Bad.", message_zh="不对。")) == "Bad."
    with translation.override("zh-hans"):
        assert error_text(InvalidInput("Bad.", message_zh="不对。")) == "不对。"
        assert stage_choices(LICENSE)[0] == ("qualification_review", "资质审核")
        assert ("withdrawn", "已撤回") in stage_choices()


@pytest.mark.parametrize("stage", ["qualification_review", "licensed", "rejected"])
def test_exactly_one_current_step(stage: str) -> None:
    assert [s.state for s in stage_steps(_case(stage), "zh")].count("current") == 1

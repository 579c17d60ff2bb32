"""Diffing two stored check results: verdict, condition statuses, material requirements."""

from __future__ import annotations

from datetime import date

from licensedesk.core.eligibility import evaluator_for
from licensedesk.web.cases.check_diff import diff_check_results

from ..factories import eligible_profile, incomplete_profile, make_uscc, not_eligible_profile

AS_OF = date(2026, 11, 28)


def _check(profile: dict) -> dict:
    return evaluator_for("icp-b25", AS_OF).check(profile)


def test_profile_edit_that_fills_in_capital_turns_incomplete_into_eligible() -> None:
    code = make_uscc(1)
    before = _check(incomplete_profile("甲公司", code))
    after = _check(eligible_profile("甲公司", code))
    diff = diff_check_results(before, after)
    assert (diff.verdict_before, diff.verdict_after, diff.verdict_changed) == ("incomplete", "eligible", True)
    assert [(c.id, c.status_before, c.status_after) for c in diff.conditions] == [
        ("registered_capital", "unknown", "met")
    ]
    assert diff.conditions[0].title_zh
    assert diff.changed and not diff.ruleset_changed


def test_capital_below_minimum_shows_as_unmet() -> None:
    code = make_uscc(2)
    diff = diff_check_results(
        _check(eligible_profile("乙公司", code)), _check(not_eligible_profile("乙公司", code))
    )
    assert diff.verdict_after == "not_eligible"
    assert [(c.id, c.status_after) for c in diff.conditions] == [("registered_capital", "unmet")]
    assert diff.conditions[0].reason_after and diff.conditions[0].reason_before


def test_material_requirement_changes_are_listed() -> None:
    code = make_uscc(3)
    base = eligible_profile("丙公司", code)
    bbs = eligible_profile("丙公司", code)
    bbs["service"]["content_areas"] = ["bulletin_board"]
    diff = diff_check_results(_check(base), _check(bbs))
    changed = {m.id: (m.required_before, m.required_after) for m in diff.materials}
    assert changed.get("bulletin_board_application") == (False, True)


def test_identical_results_have_no_changes() -> None:
    result = _check(eligible_profile("丁公司", make_uscc(4)))
    diff = diff_check_results(result, result)
    assert not diff.changed
    assert diff.to_dict()["changed"] is False


def test_conditions_only_in_one_rule_version_are_reported() -> None:
    before = {
        "verdict": "eligible",
        "ruleset_version": "v1",
        "conditions": [{"id": "old", "status": "met"}],
        "materials": [],
    }
    after = {
        "verdict": "eligible",
        "ruleset_version": "v2",
        "conditions": [{"id": "new", "status": "met"}],
        "materials": [],
    }
    diff = diff_check_results(before, after)
    assert [(c.id, c.status_before, c.status_after) for c in diff.conditions] == [
        ("new", None, "met"),
        ("old", "met", None),
    ]
    assert diff.ruleset_changed

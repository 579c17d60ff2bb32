"""One profile section at a time over the staff editor's form builder: which inputs belong to a section,
how a section replaces its part of the profile, and where a problem is shown."""

from __future__ import annotations

import pytest

from licensedesk.web.cases.services import validated_profile
from licensedesk.web.portal.profile_sections import merge_section, section_form, section_input, section_of

from ..factories import eligible_profile, make_uscc

PROFILE = validated_profile(eligible_profile("深圳市云帆信息科技有限公司", make_uscc(7)))


def _items(group: object) -> dict[str, object]:
    """Every bound input, group and row list of a section by name."""
    out = {}

    def walk(item: object) -> None:
        out[item.name] = item
        for child in getattr(item, "items", []):
            walk(child)
        for row in getattr(item, "rows", []):
            walk(row)

    walk(group)
    return out


def test_only_the_sections_own_inputs_are_read() -> None:
    post = {
        "company.name": ["新名称有限公司"],
        "company.staff_total": ["二十"],
        "company.shareholders[0].name": ["陈志远"],
        "company.shareholders[0].share_pct": ["100"],
        "service.coverage": ["national"],
        "schema_version": ["1"],
        "csrfmiddlewaretoken": ["x"],
    }
    typed = section_input("company", post)
    assert typed.data == {
        "name": "新名称有限公司",
        "staff_total": "二十",  # kept as typed: the contract validation names it
        "shareholders": [{"name": "陈志远", "share_pct": 100}],
    }
    assert typed.row_action == ""
    assert section_input("service", post).data == {"coverage": "national"}
    assert section_input("readiness", post).data == {}


def test_a_row_button_of_the_section_is_seen_and_others_are_not() -> None:
    post = {"company.name": ["甲"], "_row": ["add:company.shareholders"]}
    typed = section_input("company", post)
    assert typed.row_action == "add:company.shareholders" and typed.blank_rows == {"company.shareholders": 1}
    assert section_input("service", post).row_action == ""


def test_a_section_replaces_its_part_of_the_profile_only() -> None:
    merged = merge_section(PROFILE, "readiness", {"business_plan": False})
    assert merged["readiness"] == {"business_plan": False}
    assert merged["company"] == PROFILE["company"] and merged["service"] == PROFILE["service"]
    assert "readiness" not in merge_section(PROFILE, "readiness", {})
    assert merge_section(PROFILE, "company", {})["company"] == {}  # required: left for the validation to name
    assert PROFILE["readiness"]["business_plan"] is True  # the input is not modified


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("company.shareholders[1].uscc", "company"),
        ("service.websites[0]", "service"),
        ("readiness", "readiness"),
    ],
)
def test_section_of(path: str, section: str) -> None:
    assert section_of(path) == section


def test_problems_are_shown_next_to_their_inputs_in_the_language_asked() -> None:
    problems = [
        {"path": "company.staff_total", "message": "Input should be a valid integer / 应为整数"},
        {
            "path": "company.shareholders[0].share_pct",
            "message": "Input should be less than or equal to 100 / 不得大于 100",
        },
        {
            "path": "service.coverage",
            "message": "Input should be 'provincial' or 'national' / 取值不在允许范围内",
        },
    ]
    form = section_form(PROFILE, "company", lang="zh", problems=problems)
    items = _items(form.group)
    assert items["company.staff_total"].errors == ["应为整数"]
    assert items["company.shareholders[0].share_pct"].errors == ["不得大于 100"]
    assert items["company.name"].errors == [] and form.has_errors
    # a problem of another section cannot be fixed here but is not hidden
    assert form.errors == [
        "service.coverage: Input should be 'provincial' or 'national' / 取值不在允许范围内"
    ]
    english = section_form(PROFILE, "company", lang="en", problems=problems[:1])
    assert _items(english.group)["company.staff_total"].errors == ["Input should be a valid integer"]


def test_a_clean_section_shows_the_profile() -> None:
    form = section_form(PROFILE, "service", lang="zh")
    items = _items(form.group)
    assert items["service.coverage"].value == "provincial"
    assert items["service.activities"].values == ("online_advertising",)
    assert not form.has_errors and form.errors == []

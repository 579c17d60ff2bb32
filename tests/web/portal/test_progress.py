"""The client's step indicator, computed from the ICP (B25) workflow of the catalog."""

from __future__ import annotations

import pytest

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.catalog.models import RuleVersion
from licensedesk.web.portal.progress import detours, ended_elsewhere, goal, phase_title, steps_for

MAIN_LINE = [
    "qualification_review",
    "contract_signed",
    "collecting_materials",
    "reviewing_materials",
    "drafting",
    "submitted_online",
    "paper_submitted",
    "under_authority_review",
    "approved",
    "licensed",
]


@pytest.fixture(scope="module")
def version() -> RuleVersion:
    return default_catalog().version("icp-b25", "2017-09-01").version


def _line(steps: list) -> list[tuple[str, str]]:
    return [(s.stage, s.state) for s in steps]


def test_the_workflow_shape_is_read_from_the_catalog(version: RuleVersion) -> None:
    assert detours(version.workflow) == {"correction_requested"}  # entered only from where it returns to
    assert goal(version.workflow) == "licensed"
    assert ended_elsewhere(version.workflow, "withdrawn") and ended_elsewhere(version.workflow, "rejected")
    assert not ended_elsewhere(version.workflow, "licensed")
    assert not ended_elsewhere(version.workflow, "drafting")


def test_a_new_case_has_everything_ahead(version: RuleVersion) -> None:
    steps = steps_for(version.workflow, "qualification_review")
    assert _line(steps) == [("qualification_review", "current")] + [(s, "next") for s in MAIN_LINE[1:]]
    assert (steps[0].title_zh, steps[0].title_en, steps[0].actor) == (
        "资质审核",
        "Qualification review",
        "agency",
    )


def test_a_case_midway(version: RuleVersion) -> None:
    steps = steps_for(version.workflow, "collecting_materials")
    states = dict(_line(steps))
    assert [states[s] for s in MAIN_LINE] == ["done", "done", "current"] + ["next"] * 7
    assert next(s for s in steps if s.state == "current").actor == "client"


def test_a_detour_is_shown_only_while_the_case_is_in_it(version: RuleVersion) -> None:
    line = _line(steps_for(version.workflow, "correction_requested"))
    stages = [stage for stage, _ in line]
    assert stages == [*MAIN_LINE[:8], "correction_requested", "approved", "licensed"]
    assert dict(line)["correction_requested"] == "current" and dict(line)["under_authority_review"] == "done"


def test_the_goal_reached(version: RuleVersion) -> None:
    line = _line(steps_for(version.workflow, "licensed"))
    assert line == [(s, "done") for s in MAIN_LINE[:-1]] + [("licensed", "current")]


def test_a_case_that_ended_elsewhere_shows_its_end_and_what_it_never_reached(version: RuleVersion) -> None:
    reached = {"qualification_review", "contract_signed", "withdrawn"}
    line = _line(steps_for(version.workflow, "withdrawn", reached=reached))
    assert line == [("qualification_review", "done"), ("contract_signed", "done")] + [
        (s, "skipped") for s in MAIN_LINE[2:-1]
    ] + [("withdrawn", "current")]
    # without the history every earlier step counts as done
    assert {state for _, state in _line(steps_for(version.workflow, "rejected"))} == {"done", "current"}


def test_an_unknown_stage_is_an_error(version: RuleVersion) -> None:
    with pytest.raises(KeyError):
        steps_for(version.workflow, "nowhere")


def test_the_phase_of_a_stage_says_what_happens_in_it(version: RuleVersion) -> None:
    assert phase_title(version, "collecting_materials") == ("客户准备材料", "Client prepares the materials")
    assert phase_title(version, "nowhere") is None

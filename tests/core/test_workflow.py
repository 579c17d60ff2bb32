"""The stage machine is plain Python over the catalog's workflow data."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from licensedesk.core.catalog.loader import default_catalog
from licensedesk.core.catalog.models import Workflow
from licensedesk.core.deadlines import add_period
from licensedesk.core.errors import InvalidInput, WorkflowError
from licensedesk.core.workflow import WITHDRAWN, PreviousEvent, StageMachine, check_event, machine_for


@pytest.fixture
def machine() -> StageMachine:
    return machine_for("icp-b25", "2017-09-01")


def test_moves_come_from_the_license_definition(machine: StageMachine) -> None:
    moves = machine.moves_from("qualification_review")
    assert [(m.to, m.guards, m.withdrawal) for m in moves] == [
        ("contract_signed", ("eligibility_eligible",), False),
        (WITHDRAWN, (), True),
    ]
    assert machine.initial == "qualification_review"
    assert machine.move("reviewing_materials", "drafting").guards == ("materials_accepted",)
    assert machine.move("approved", "licensed").guards == ("license_record",)
    assert machine.move("reviewing_materials", "collecting_materials").guards == ()


def test_every_non_terminal_stage_can_be_withdrawn_and_no_terminal_one(machine: StageMachine) -> None:
    for stage_id, stage in machine.stages.items():
        targets = {m.to for m in machine.moves_from(stage_id)}
        assert (WITHDRAWN in targets) == (not stage.terminal), stage_id


def test_a_move_the_workflow_does_not_declare_is_refused_with_the_allowed_ones(machine: StageMachine) -> None:
    with pytest.raises(WorkflowError) as caught:
        machine.move("qualification_review", "drafting")
    err = caught.value
    assert err.code == "workflow.transition_not_allowed"
    assert err.message == (
        "A case cannot move from Qualification review to Drafting; "
        "allowed next stages: contract_signed, withdrawn."
    )
    assert err.message_zh == "案件不能从“资质审核”变更为“编制申请文件”。"
    assert err.details == {
        "from": "qualification_review",
        "to": "drafting",
        "allowed": ["contract_signed", "withdrawn"],
    }


def test_a_terminal_stage_has_no_moves(machine: StageMachine) -> None:
    with pytest.raises(WorkflowError) as caught:
        machine.move("licensed", "withdrawn")
    assert caught.value.code == "workflow.terminal_stage"
    assert caught.value.message == "The case is closed (Licensed); it cannot move any more."


def test_unknown_stage(machine: StageMachine) -> None:
    with pytest.raises(WorkflowError) as caught:
        machine.move("qualification_review", "nowhere")
    assert caught.value.code == "workflow.unknown_stage"


def test_a_new_license_brings_its_own_stages_as_data() -> None:
    workflow = Workflow.model_validate(
        {
            "initial": "intake",
            "stages": [
                {"id": "intake", "phase": "p", "actor": "agency", "title": {"zh": "接案", "en": "Intake"}},
                {"id": "filed", "phase": "p", "actor": "authority", "title": {"zh": "已申报", "en": "Filed"}},
                {
                    "id": "done",
                    "phase": "p",
                    "actor": "agency",
                    "terminal": True,
                    "title": {"zh": "完成", "en": "Done"},
                },
            ],
            "transitions": [
                {"from": "intake", "to": "filed", "guards": ["eligibility_eligible"]},
                {"from": "filed", "to": "done", "guards": ["license_record"]},
            ],
        }
    )
    machine = StageMachine(workflow)
    assert [m.to for m in machine.moves_from("intake")] == ["filed"]  # not withdrawable: no withdrawal
    assert machine.move("filed", "done").guards == ("license_record",)
    assert machine.guards_used() == {"eligibility_eligible", "license_record"}


def test_stage_due_dates_come_from_time_limits(machine: StageMachine) -> None:
    friday = date(2026, 11, 27)
    # paper_submitted starts "acceptance" (5 working days) and "decision" (60 days): the earlier wins.
    assert machine.stage_due_on("paper_submitted", friday) == date(2026, 12, 4)
    assert machine.stage_due_on("approved", friday) == date(2026, 12, 7)  # certificate: 10 days
    assert machine.stage_due_on("drafting", friday) is None


def test_working_days_skip_weekends() -> None:
    assert add_period(date(2026, 11, 27), 1, "working_days") == date(2026, 11, 30)
    assert add_period(date(2026, 11, 27), 3, "days") == date(2026, 11, 30)


def test_every_catalog_workflow_builds() -> None:
    for lic in default_catalog().licenses():
        for version in lic.versions:
            built = StageMachine.for_version(version)
            assert built.initial in built.stages


def test_the_stage_machine_imports_no_django() -> None:
    code = (
        "import sys; import licensedesk.core.workflow, licensedesk.web.cases.check_diff; "
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_moves_to_the_authority_carry_their_records_and_ends_are_marked(machine: StageMachine) -> None:
    move = machine.move("drafting", "submitted_online")
    assert move.records is not None and move.records.event == "online_submission" and not move.terminal
    assert [f.id for f in machine.move("under_authority_review", "correction_requested").records.fields] == [
        "items",
        "due_on",
    ]
    assert machine.move("under_authority_review", "rejected").terminal
    assert machine.move("drafting", WITHDRAWN).terminal and machine.move("approved", "licensed").terminal
    assert machine.move("contract_signed", "collecting_materials").records is None


def test_check_event_refuses_a_future_date_and_one_before_the_previous_event(machine: StageMachine) -> None:
    records = machine.move("paper_submitted", "under_authority_review").records
    today = date(2026, 3, 10)
    with pytest.raises(InvalidInput) as caught:
        check_event(records, occurred_on=date(2026, 3, 11), reference={"notice_number": "1"}, today=today)
    assert caught.value.message_zh == "受理日期（2026-03-11）不能晚于今天（2026-03-10）。"
    assert caught.value.message == "The acceptance date (2026-03-11) cannot be after today (2026-03-10)."
    previous = PreviousEvent(date(2026, 3, 5), "递交纸质材料", "Paper set delivered")
    with pytest.raises(InvalidInput) as caught:
        check_event(
            records,
            occurred_on=date(2026, 3, 4),
            reference={"notice_number": "1"},
            today=today,
            previous=previous,
        )
    assert (
        caught.value.message_zh
        == "受理日期（2026-03-04）不能早于上一事件“递交纸质材料”的日期（2026-03-05）。"
    )
    assert check_event(
        records,
        occurred_on=date(2026, 3, 5),
        reference={"notice_number": " 粤通受〔2026〕12号 "},
        today=today,
        previous=previous,
    ) == {"notice_number": "粤通受〔2026〕12号"}


def test_check_event_names_every_missing_or_unknown_field(machine: StageMachine) -> None:
    records = machine.move("under_authority_review", "correction_requested").records
    with pytest.raises(InvalidInput) as caught:
        check_event(
            records,
            occurred_on=date(2026, 3, 5),
            reference={"due_on": "5 March", "memo": "x"},
            today=date(2026, 3, 5),
        )
    assert caught.value.details["fields"] == {
        "memo": "此事件没有“memo”一项。",
        "items": "请填写补正内容。",
        "due_on": "补正期限须为日期（年-月-日）。",
    }

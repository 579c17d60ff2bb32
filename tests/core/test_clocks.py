from datetime import date

import pytest

from licensedesk.core.catalog.folders import LICENSE_FILE, license_folders
from licensedesk.core.catalog.loader import CompiledVersion, load_catalog
from licensedesk.core.clocks import MET, RUNNING, STOPPED, CaseClock, ClockEvent, case_clocks, nearest_due
from licensedesk.core.deadlines import WorkCalendar


@pytest.fixture(scope="module")
def icp() -> CompiledVersion:
    # the ICP license's own file: the clocks are its data, whatever other licenses the catalog holds
    folder = next(f for f in license_folders() if f.name == "icp-b25")
    return load_catalog([folder / LICENSE_FILE]).version_on("icp-b25", date(2025, 9, 1))


def E(kind: str, day: str, **reference: str) -> ClockEvent:
    return ClockEvent(kind, date.fromisoformat(day), reference)


def by_name(clocks: list[CaseClock]) -> dict[str, CaseClock]:
    return {c.name_en: c for c in clocks}


def test_no_event_no_clock(icp: CompiledVersion) -> None:
    assert case_clocks(icp, [], today=date(2025, 9, 1)) == []
    assert case_clocks(icp, [E("online_submission", "2025-08-28")], today=date(2025, 9, 1)) == []


def test_receipt_starts_the_acceptance_and_decision_clocks_in_working_and_calendar_days(
    icp: CompiledVersion,
) -> None:
    # paper set delivered on Friday 26 September 2025: five working days are Sunday 28 September (a
    # make-up working day), 29, 30 September, then 9 and 10 October after the National Day holiday
    clocks = by_name(case_clocks(icp, [E("paper_delivery", "2025-09-26")], today=date(2025, 9, 29)))
    assert list(clocks) == ["Acceptance", "Decision"]
    acceptance = clocks["Acceptance"]
    assert (acceptance.due, acceptance.unit, acceptance.state) == (
        date(2025, 10, 10),
        "working_days",
        RUNNING,
    )
    # left on Monday 29 September: 30 September, 9 and 10 October (the holiday week does not count)
    assert (acceptance.days_left, acceptance.overdue, acceptance.approximate) == (3, False, False)
    assert acceptance.citations == ("中华人民共和国行政许可法 第三十二条",)
    assert (acceptance.name_zh, acceptance.statutory, acceptance.actor) == ("受理期限", True, "authority")
    decision = clocks["Decision"]
    # 60 calendar days from 26 September end on Tuesday 25 November 2025
    assert (decision.due, decision.unit, decision.days_left) == (date(2025, 11, 25), "days", 57)
    assert decision.citations == ("中华人民共和国电信条例 第十四条",)
    assert (decision.certainty, decision.unit_uncertain) == ("L", True)


def test_a_correction_request_stops_the_acceptance_clock_and_the_resubmission_restarts_it(
    icp: CompiledVersion,
) -> None:
    events = [E("paper_delivery", "2025-09-26"), E("correction_request", "2025-09-30", due_on="2025-10-20")]
    clocks = by_name(case_clocks(icp, events, today=date(2025, 10, 13)))
    assert (clocks["Acceptance"].state, clocks["Acceptance"].ended_on) == (STOPPED, date(2025, 9, 30))
    assert (clocks["Acceptance"].overdue, clocks["Acceptance"].days_left) == (False, 0)
    assert clocks["Decision"].state == STOPPED
    correction = clocks["Correction"]
    # the client's clock: the due date the notice sets, days left in calendar days
    assert (correction.state, correction.due, correction.days_left) == (RUNNING, date(2025, 10, 20), 7)
    assert (correction.actor, correction.name_zh, correction.unit) == ("client", "补正期限", "days")

    events.append(E("correction_submission", "2025-10-15"))
    clocks = by_name(case_clocks(icp, events, today=date(2025, 10, 16)))
    acceptance = clocks["Acceptance"]
    # counted anew from Wednesday 15 October: 16, 17, 20, 21, 22 October (18 is a Saturday)
    assert (acceptance.state, acceptance.started_on, acceptance.due) == (
        RUNNING,
        date(2025, 10, 15),
        date(2025, 10, 22),
    )
    assert acceptance.days_left == 4
    # the decision counts from the complete application too: 60 days from 15 October end on Sunday
    # 14 December, so on Monday 15 December (民法典 第二百零三条)
    assert (clocks["Decision"].state, clocks["Decision"].due) == (RUNNING, date(2025, 12, 15))
    assert (clocks["Correction"].state, clocks["Correction"].ended_on) == (MET, date(2025, 10, 15))

    events.append(E("acceptance_notice", "2025-10-21"))
    clocks = by_name(case_clocks(icp, events, today=date(2025, 10, 21)))
    assert (clocks["Acceptance"].state, clocks["Acceptance"].ended_on) == (MET, date(2025, 10, 21))


def test_the_decision_clock_runs_in_review_statutory_first_and_practice_labelled(
    icp: CompiledVersion,
) -> None:
    events = [E("paper_delivery", "2025-08-01"), E("acceptance_notice", "2025-08-08")]
    clocks = case_clocks(icp, events, today=date(2025, 9, 1), stage="under_authority_review")
    assert [(c.name_zh, c.state) for c in clocks] == [
        ("受理期限", MET),
        ("决定期限", RUNNING),
        ("决定期限（实务）", RUNNING),
    ]
    statutory, practice = clocks[1], clocks[2]
    assert (statutory.statutory, statutory.due, statutory.days_left) == (True, date(2025, 9, 30), 29)
    # 60 days from the acceptance notice end on 7 October, a National Day holiday: the period ends on
    # the next working day, 9 October
    assert (practice.statutory, practice.due, practice.from_event) == (
        False,
        date(2025, 10, 9),
        "acceptance_notice",
    )
    assert (practice.name_en, practice.certainty) == ("Decision (practice)", "S")
    # what each counts from, in the words of the events the workflow records
    assert (practice.from_title_zh, practice.statute_from_title_zh) == ("通信管理局受理", "递交纸质材料")
    assert (statutory.from_title_en, statutory.statute_from_title_en) == ("Paper set delivered", "")
    assert nearest_due(clocks) == date(2025, 9, 30)


def test_an_overdue_decision_counts_the_days_past(icp: CompiledVersion) -> None:
    events = [E("paper_delivery", "2025-08-01"), E("acceptance_notice", "2025-08-08")]
    statutory = case_clocks(icp, events, today=date(2025, 10, 3))[1]
    assert (statutory.overdue, statutory.days_left, statutory.state) == (True, -3, RUNNING)
    assert statutory.due_within(7) is False


def test_the_certificate_clock_runs_after_approval_and_is_met_when_licensed(icp: CompiledVersion) -> None:
    events = [
        E("paper_delivery", "2026-01-05"),
        E("acceptance_notice", "2026-01-09"),
        E("approval_decision", "2026-02-06"),
    ]
    clocks = by_name(case_clocks(icp, events, today=date(2026, 2, 9), stage="approved"))
    assert clocks["Decision"].state == MET and clocks["Decision (practice)"].state == MET
    certificate = clocks["Certificate"]
    # ten days from 6 February 2026 end on 16 February, inside the Spring Festival holiday (15–23
    # February): the period ends on Tuesday 24 February
    assert (certificate.state, certificate.due, certificate.days_left) == (RUNNING, date(2026, 2, 24), 15)
    assert certificate.citations == ("中华人民共和国行政许可法 第四十四条",)
    assert certificate.due_within(15) and not certificate.due_within(14)
    licensed = by_name(case_clocks(icp, events, today=date(2026, 2, 9), stage="licensed"))
    assert licensed["Certificate"].state == MET
    assert nearest_due(licensed.values()) is None


def test_working_days_across_the_2026_spring_festival_with_its_make_up_saturdays(
    icp: CompiledVersion,
) -> None:
    # Thursday 12 February 2026: 13 February, Saturday 14 February (make-up), then 24, 25, 26 February
    clocks = by_name(case_clocks(icp, [E("paper_delivery", "2026-02-12")], today=date(2026, 2, 13)))
    assert clocks["Acceptance"].due == date(2026, 2, 26)
    assert clocks["Acceptance"].days_left == 4  # 14, 24, 25, 26 February


def test_a_closed_case_stops_the_running_clocks(icp: CompiledVersion) -> None:
    clocks = case_clocks(icp, [E("paper_delivery", "2025-09-26")], today=date(2025, 12, 1), closed=True)
    assert {c.state for c in clocks} == {STOPPED}
    assert not any(c.overdue for c in clocks)


def test_a_year_without_a_published_arrangement_is_approximate(icp: CompiledVersion) -> None:
    clocks = by_name(
        case_clocks(
            icp, [E("paper_delivery", "2031-09-26")], today=date(2031, 9, 26), calendar=WorkCalendar()
        )
    )
    assert clocks["Acceptance"].approximate is True
    assert clocks["Acceptance"].due == date(2031, 10, 3)  # Monday–Friday only: 29, 30 Sep, 1, 2, 3 Oct


def test_a_second_correction_request_starts_a_new_correction_clock(icp: CompiledVersion) -> None:
    events = [
        E("paper_delivery", "2025-08-01"),
        E("acceptance_notice", "2025-08-08"),
        E("correction_request", "2025-08-20", due_on="2025-09-05"),
        E("correction_submission", "2025-09-01"),
        E("correction_request", "2025-09-10", due_on="2025-09-25"),
    ]
    correction = by_name(case_clocks(icp, events, today=date(2025, 9, 11)))["Correction"]
    assert (correction.state, correction.started_on, correction.due) == (
        RUNNING,
        date(2025, 9, 10),
        date(2025, 9, 25),
    )


def test_a_correction_request_without_a_due_date_starts_no_correction_clock(icp: CompiledVersion) -> None:
    events = [E("paper_delivery", "2025-08-01"), E("correction_request", "2025-08-05")]
    assert "Correction" not in by_name(case_clocks(icp, events, today=date(2025, 8, 6)))

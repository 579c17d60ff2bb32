"""The reports' figures on a known history (tests/web/reports/dataset.py), worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from licensedesk.core.deadlines import add_period
from licensedesk.web.reports.selectors import (
    ConsultantWork,
    Outcomes,
    Percentiles,
    report_cases,
    reports_for,
)

from ..factories import CaseFactory
from .dataset import PERIOD, TODAY, make_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history() -> Any:
    return make_history()


def test_open_cases_by_stage_now(history: Any) -> None:
    reports = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    assert reports.stages_now == {"icp-b25": {"contract_signed": 2, "qualification_review": 1}}


def test_opened_and_closed_per_month_every_month_of_the_period(history: Any) -> None:
    reports = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    months = [date(2026, m, 1) for m in range(1, 7)]
    assert list(reports.opened_by_month) == months
    assert list(reports.opened_by_month.values()) == [1, 1, 1, 2, 0, 0]  # the December case is before
    assert list(reports.closed_by_month.values()) == [0, 1, 1, 0, 1, 0]


def test_days_per_stage_nearest_rank_p50_p90_without_the_undone_stay(history: Any) -> None:
    reports = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    b25 = reports.stage_times["icp-b25"]
    # 资质审核 stays 2, 4, 10, 2 and 6 days: p50 the 3rd of five (4), p90 the 5th (10)
    assert b25["qualification_review"] == Percentiles(5, 4.0, 10.0)
    # 已签委托合同 left after 3 and 24 days (the one-day stay ended by an undo is not counted)
    assert b25["contract_signed"] == Percentiles(2, 3.0, 24.0)
    assert b25["collecting_materials"] == Percentiles(1, 30.0, 30.0)
    assert set(b25) == {"qualification_review", "contract_signed", "collecting_materials"}
    assert reports.stage_times["icp-filing"] == {"qualification_review": Percentiles(1, 30.0, 30.0)}


def test_end_to_end_from_opening_day_to_closing_day(history: Any) -> None:
    reports = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    assert reports.end_to_end == {
        "icp-b25": Percentiles(2, 28.0, 35.0),
        "icp-filing": Percentiles(1, 30.0, 30.0),
    }


def test_outcomes_and_rates(history: Any) -> None:
    reports = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    assert reports.outcomes == {"icp-b25": Outcomes(1, 0, 1), "icp-filing": Outcomes(0, 1, 0)}
    total = reports.total_outcomes
    assert (total.closed, total.rate(total.granted), total.rate(total.withdrawn)) == (3, 33.3, 33.3)


def test_work_per_consultant_with_the_unassigned_last(history: Any) -> None:
    reports = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    assert reports.consultants == [
        ConsultantWork(history.c1.pk, "王顾问", 1, 3, 2),
        ConsultantWork(history.c2.pk, "李顾问", 1, 2, 1),
        ConsultantWork(None, "", 1, 0, 0),
    ]


def test_review_rounds_per_case(history: Any) -> None:
    reports = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    assert reports.review_rounds == {1: 2, 2: 1}


def test_statutory_deadlines_met_late_and_overdue(history: Any) -> None:
    reports = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    tallies = {t.limit_id: (t.met, t.late, t.overdue) for t in reports.clocks}
    # acceptance met by the notice within five working days twice; the decision came on 20 June, past its
    # 60 days from 2 March; the other case's decision, due 60 days after 2 February, is still awaited;
    # the certificate, due 10 days after the approval of 20 June, was not recorded by 1 July
    assert add_period(date(2026, 3, 2), 60, "days") < date(2026, 6, 20)
    assert add_period(date(2026, 6, 20), 10, "days") <= PERIOD.end
    assert tallies == {"acceptance": (2, 0, 0), "decision": (0, 1, 1), "certificate_issuance": (0, 0, 1)}


def test_a_consultant_counts_only_their_own_cases(history: Any) -> None:
    reports = reports_for(user=history.c2, filters=replace(PERIOD, consultant_id=history.c1.pk), today=TODAY)
    assert [w.consultant_id for w in reports.consultants] == [history.c2.pk]
    assert reports.stages_now == {"icp-b25": {"contract_signed": 1}}
    assert reports.outcomes == {"icp-b25": Outcomes(1, 0, 0)}
    assert reports.review_rounds == {1: 1}
    assert report_cases(user=history.c2, filters=PERIOD).count() == 2


def test_an_admin_may_narrow_to_one_consultant_and_one_license(history: Any) -> None:
    narrowed = replace(PERIOD, consultant_id=history.c1.pk, license_id="icp-filing")
    reports = reports_for(user=history.admin, filters=narrowed, today=TODAY)
    assert reports.outcomes == {"icp-filing": Outcomes(0, 1, 0)}
    assert reports.stages_now == {}
    assert list(reports.stage_times) == ["icp-filing"]


def test_another_agencys_cases_are_never_counted(history: Any) -> None:
    other = make_history("另一家企业管理咨询有限公司")
    mine = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    theirs = reports_for(user=other.admin, filters=PERIOD, today=TODAY)
    assert mine.total_outcomes.closed == theirs.total_outcomes.closed == 3
    assert mine.stage_times["icp-b25"]["qualification_review"].count == 5
    # a consultant id of the other agency narrows to nothing rather than showing their cases
    foreign = reports_for(user=history.admin, filters=replace(PERIOD, consultant_id=other.c1.pk), today=TODAY)
    assert foreign.empty and foreign.outcomes == {}


def test_a_client_user_gets_no_figures(history: Any) -> None:
    from ..factories import ClientUserFactory

    client = ClientUserFactory(company=history.cases["open"].company)
    reports = reports_for(user=client, filters=PERIOD, today=TODAY)
    assert reports.empty and reports.consultants == [] and reports.outcomes == {}
    assert report_cases(user=client, filters=PERIOD).count() == 0


def test_no_data_is_empty(db: Any) -> None:
    from ..factories import AdminFactory

    reports = reports_for(user=AdminFactory(), filters=PERIOD, today=TODAY)
    assert reports.empty
    assert list(reports.opened_by_month.values()) == [0] * 6


def test_annual_reports_changes_and_renewals_are_not_counted_with_the_applications(history: Any) -> None:
    # a duty case of the same agency, open in a stage of its own: the figures describe applications only
    duty = CaseFactory(
        company=history.cases["withdrawn"].company,
        consultant=history.c1,
        license_id="icp-b25",
        case_type="annual_report",
        stage=history.cases["withdrawn"].stage,
    )
    reports = reports_for(user=history.admin, filters=PERIOD, today=TODAY)
    assert reports.stages_now == {"icp-b25": {"contract_signed": 2, "qualification_review": 1}}
    assert duty.pk not in set(report_cases(user=history.admin, filters=PERIOD).values_list("pk", flat=True))

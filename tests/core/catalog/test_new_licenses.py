"""The four licenses added as catalog data (issue 12): ICP filing, EDI (B21), labour dispatch, travel agency.

Their rule cases live in each folder's ``cases/`` (run by tests/core/test_rule_cases.py); this module pins
what the cases cannot: dated parameters, the clocks in working days (Chinese holidays included), the
travel agency's deposit duty, validity, renewal and annual reports, the workflows, the profile sections
and the certainty marks of uncertain facts.
"""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from licensedesk.core.catalog.loader import default_catalog, parameters_on
from licensedesk.core.catalog.models import License, RuleVersion
from licensedesk.core.clocks import MET, RUNNING, STOPPED, ClockEvent, case_clocks
from licensedesk.core.deadlines import add_period
from licensedesk.core.obligations import obligations
from licensedesk.core.workflow import WITHDRAWN, StageMachine

NEW = ("icp-filing", "edi-b21", "labour-dispatch", "travel-agency")


def lic(license_id: str) -> License:
    return default_catalog().license(license_id)


def version(license_id: str) -> RuleVersion:
    return lic(license_id).versions[-1]


def by_counting(start: date, working_days: int) -> date:
    """The due date counted one working day at a time with chinesecalendar itself (independent of
    core/deadlines)."""
    day, counted = start, 0
    while counted < working_days:
        day = date.fromordinal(day.toordinal() + 1)
        counted += chinese_calendar.is_workday(day)
    return day


# -- the catalog holds them ---------------------------------------------------------------------------


def test_the_catalog_holds_the_five_licenses_each_with_its_section() -> None:
    catalog = default_catalog()
    assert sorted(lic.id for lic in catalog.licenses()) == sorted(("icp-b25", *NEW))
    sections = {license_id: catalog.section(license_id) for license_id in NEW}
    assert {k: [f.key for f in s.fields] for k, s in sections.items() if s is not None} == {
        "icp-filing": ["site_manager_name", "site_manager_mobile", "manager_is_legal_representative"],
        "edi-b21": ["ecommerce_only"],
        "labour-dispatch": [
            "premises_ready",
            "premises_owned",
            "premises_lease_until",
            "facilities_ready",
            "dispatch_rules_ready",
        ],
        "travel-agency": [
            "tier",
            "premises_ready",
            "premises_owned",
            "premises_lease_until",
            "facilities_ready",
            "license_held_since",
            "license_number",
            "penalized_for_harming_tourists",
            "quality_deposit_form",
        ],
    }
    tier = catalog.section("travel-agency").field("tier")
    assert [(c.value, c.label.zh) for c in tier.choices] == [
        ("domestic_inbound", "国内旅游业务和入境旅游业务"),
        ("outbound", "出境旅游业务"),
    ]


@pytest.mark.parametrize("license_id", NEW)
def test_every_number_parameter_states_its_unit(license_id: str) -> None:
    def numbers(value: object) -> bool:
        if isinstance(value, dict):
            return any(numbers(v) for v in value.values())
        return isinstance(value, int | float) and not isinstance(value, bool)

    for name, param in lic(license_id).parameters.items():
        if any(numbers(v.value) for v in param.values):
            assert param.unit, f"{license_id}: parameter {name} has no unit"


@pytest.mark.parametrize("license_id", NEW)
def test_every_workflow_reaches_a_terminal_stage_and_withdraws_from_every_open_one(license_id: str) -> None:
    machine = StageMachine.for_version(version(license_id))
    terminal = {s for s, stage in machine.stages.items() if stage.terminal}
    assert {"rejected", WITHDRAWN} <= terminal
    for stage_id, stage in machine.stages.items():
        targets = {m.to for m in machine.moves_from(stage_id)}
        assert (WITHDRAWN in targets) == (not stage.terminal), stage_id
    assert machine.move("qualification_review", "contract_signed").guards == ("eligibility_eligible",)


def test_the_authority_events_record_their_references() -> None:
    labour = StageMachine.for_version(version("labour-dispatch"))
    accept = labour.move("submitted", "under_authority_review").records
    assert accept is not None and accept.event == "acceptance_notice"
    assert [f.id for f in accept.fields] == ["notice_number"]
    assert labour.move("approved", "licensed").guards == ("license_record",)  # a 3-year license: registered
    travel = StageMachine.for_version(version("travel-agency"))
    issued = travel.move("under_authority_review", "licensed").records
    assert issued is not None and [f.id for f in issued.fields] == ["license_number"]
    filing = StageMachine.for_version(version("icp-filing"))
    granted = filing.move("with_authority", "filed").records
    assert granted is not None and [f.id for f in granted.fields] == ["filing_number"]
    assert filing.is_terminal("filed")


# -- dated parameters -----------------------------------------------------------------------------------


def test_edi_foreign_caps_follow_the_2015_opening_and_the_2024_pilot() -> None:
    edi = lic("edi-b21")
    assert parameters_on(edi, date(2015, 6, 18))["foreign_share_max_pct"] == {"general": 50, "ecommerce": 50}
    assert parameters_on(edi, date(2015, 6, 19))["foreign_share_max_pct"] == {"general": 50, "ecommerce": 100}
    assert parameters_on(edi, date(2024, 10, 22))["foreign_equity_pilot"]["zones"] == []
    zones = parameters_on(edi, date(2024, 10, 23))["foreign_equity_pilot"]["zones"]
    assert [z["province"] for z in zones] == ["CN-BJ", "CN-SH", "CN-HI", "CN-GD"]
    assert parameters_on(edi, date(2026, 11, 28))["registered_capital_min"] == {
        "provincial": 1_000_000,
        "national": 10_000_000,
    }


def test_filing_pre_approvals_drop_education_in_2016_and_keep_health_care_marked_uncertain() -> None:
    filing = lic("icp-filing")
    before = parameters_on(filing, date(2016, 3, 21))["pre_approval_areas"]
    after = parameters_on(filing, date(2016, 3, 22))["pre_approval_areas"]
    assert "education" in before
    assert "education" not in after
    assert "healthcare" in after
    latest = filing.parameters["pre_approval_areas"].values[-1]
    assert latest.note is not None and "Health care" in latest.note and "(U)" in latest.note
    assert parameters_on(filing, date(2019, 4, 21))["domains_per_site_number"] is None
    assert parameters_on(filing, date(2019, 4, 22))["domains_per_site_number"] == 1
    assert parameters_on(filing, date(2026, 11, 28))["official_fee_cny"] == 0
    assert parameters_on(filing, date(2026, 11, 28))["change_notice_days"] == 30
    [change] = version("icp-filing").change_filings
    assert (change.timing, change.amount, change.unit) == ("before", 30, "days")


def test_the_uncertain_facts_carry_their_marks() -> None:
    filing_decision = next(t for t in version("icp-filing").time_limits if t.id == "filing_decision")
    assert filing_decision.note is not None and "not verified (U)" in filing_decision.note
    provider = next(t for t in version("icp-filing").time_limits if t.id == "provider_check")
    assert provider.certainty == "W"
    paid_in = lic("labour-dispatch").parameters["paid_in_capital_min"]
    assert lic("labour-dispatch").basis("agency_practice").kind == "practice"
    assert paid_in.values[0].certainty == "S" and "practice" in (paid_in.values[0].note or "")


# -- clocks in working days ---------------------------------------------------------------------------


def clocks(license_id: str, events: list[ClockEvent], today: date, stage: str | None = None) -> dict:
    found = case_clocks(default_catalog().version_on(license_id, today), events, today=today, stage=stage)
    return {c.limit_id: c for c in found}


def test_labour_dispatch_acceptance_5_and_decision_20_plus_10_working_days_over_national_day() -> None:
    submitted, accepted = date(2026, 9, 25), date(2026, 9, 29)
    found = clocks(
        "labour-dispatch",
        [ClockEvent("application_submission", submitted), ClockEvent("acceptance_notice", accepted)],
        today=date(2026, 10, 9),
    )
    assert found["acceptance"].state == MET
    assert found["acceptance"].due == by_counting(submitted, 5) == date(2026, 10, 9)
    decision = found["decision"]
    assert (decision.state, decision.unit) == (RUNNING, "working_days")
    assert decision.due == by_counting(accepted, 20) == date(2026, 11, 2)
    limit = next(t for t in version("labour-dispatch").time_limits if t.id == "decision")
    assert limit.extension_amount == 10
    assert add_period(accepted, limit.amount + limit.extension_amount, limit.unit) == by_counting(
        accepted, 30
    )


def test_labour_dispatch_certificate_notice_is_met_when_licensed() -> None:
    events = [
        ClockEvent("application_submission", date(2026, 11, 2)),
        ClockEvent("acceptance_notice", date(2026, 11, 3)),
        ClockEvent("approval_decision", date(2026, 11, 20)),
    ]
    running_ = clocks("labour-dispatch", events, today=date(2026, 11, 23), stage="approved")
    assert running_["certificate_notice"].due == by_counting(date(2026, 11, 20), 5) == date(2026, 11, 27)
    assert running_["certificate_notice"].state == RUNNING
    assert running_["decision"].state == MET
    done = clocks("labour-dispatch", events, today=date(2026, 11, 23), stage="licensed")
    assert done["certificate_notice"].state == MET


def test_travel_agency_decision_clock_stops_at_a_correction_request() -> None:
    events = [
        ClockEvent("application_submission", date(2026, 11, 2)),
        ClockEvent("acceptance_notice", date(2026, 11, 4)),
        ClockEvent("correction_request", date(2026, 11, 10)),
    ]
    found = clocks("travel-agency", events, today=date(2026, 11, 11))
    assert found["decision"].due == by_counting(date(2026, 11, 4), 20)
    assert found["decision"].state == STOPPED


def test_travel_agency_quality_deposit_is_due_3_working_days_after_the_license() -> None:
    v = version("travel-agency")
    [deposit] = [d for d in v.duties if d.id == "quality_deposit"]
    assert (deposit.amount, deposit.unit, deposit.actor) == (3, "working_days", "client")
    recorded = {m.records.event for m in v.workflow.transitions if m.records is not None}
    assert deposit.from_event in recorded
    issued = date(2026, 11, 27)  # a Friday
    assert add_period(issued, deposit.amount, deposit.unit) == by_counting(issued, 3) == date(2026, 12, 2)
    params = parameters_on(lic("travel-agency"), issued)
    amounts = [params["quality_deposit"][path.split(".", 1)[1]] for path in deposit.amount_params]
    assert amounts == [200_000, 1_200_000]
    assert sum(amounts) == 1_400_000
    assert params["quality_deposit_reduction"] == {"pct": 50, "clean_years": 3}


def test_filing_decision_runs_20_working_days_from_the_provider_forwarding_it() -> None:
    forwarded = date(2026, 9, 28)
    found = clocks(
        "icp-filing",
        [
            ClockEvent("provider_submission", date(2026, 9, 25)),
            ClockEvent("forwarded_to_authority", forwarded),
        ],
        today=date(2026, 10, 12),
    )
    assert found["provider_check"].state == MET
    assert found["filing_decision"].due == by_counting(forwarded, 20)
    assert found["filing_decision"].state == RUNNING


# -- validity, renewal, annual report -------------------------------------------------------------------


def test_labour_dispatch_is_valid_3_years_renewed_60_days_ahead_and_reports_by_31_march() -> None:
    v = version("labour-dispatch")
    assert v.validity is not None and v.validity.years == 3
    assert v.renewal is not None and v.renewal.lead_days == 60
    found = obligations(
        lic("labour-dispatch"),
        v,
        issued_on=date(2026, 1, 15),
        expires_on=date(2029, 1, 14),
        as_of=date(2026, 1, 15),
    )
    reports = [(o.period, o.due) for o in found if o.kind == "annual_report"]
    assert reports[:2] == [("2026", date(2027, 3, 31)), ("2027", date(2028, 3, 31))]
    [renewal] = [o for o in found if o.kind == "renewal"]
    assert renewal.due == date(2028, 11, 15)


@pytest.mark.parametrize("license_id", ["edi-b21"])
def test_edi_is_valid_5_years_renewed_90_days_ahead_with_annual_reports(license_id: str) -> None:
    v = version(license_id)
    assert (v.validity.years, v.renewal.lead_days) == (5, 90)  # type: ignore[union-attr]
    assert v.annual_report is not None and v.annual_report.window_to == "03-31"


@pytest.mark.parametrize("license_id", ["icp-filing", "travel-agency"])
def test_no_fixed_term_means_no_validity_no_renewal(license_id: str) -> None:
    v = version(license_id)
    assert (v.validity, v.renewal, v.annual_report) == (None, None, None)
    found = obligations(
        lic(license_id), v, issued_on=date(2026, 1, 15), expires_on=date(2036, 1, 14), as_of=date(2026, 1, 15)
    )
    assert found == []

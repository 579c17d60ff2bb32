"""A known agency history for the reports tests: six cases of two consultants (and one unassigned) over
the first half of 2026, their stage moves as audit rows, review rounds and dated authority events.

The figures it must give are worked out by hand in the tests (see each test's comment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases.models import Case, CaseEvent
from licensedesk.web.materials.models import ReviewRound
from licensedesk.web.reports.selectors import ReportFilters

from ..factories import AdminFactory, AgencyFactory, CaseFactory, ClientCompanyFactory, ConsultantFactory

CN = ZoneInfo("Asia/Shanghai")
PERIOD = ReportFilters(start=date(2026, 1, 1), end=date(2026, 6, 30))
TODAY = date(2026, 7, 1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CN)


@dataclass
class History:
    agency: Any
    admin: Any
    c1: Any
    c2: Any
    cases: dict[str, Case]


def _case(
    agency: Any, name: str, *, consultant: Any, license_id: str = "icp-b25", opened: date, **kw: Any
) -> Case:
    company = ClientCompanyFactory(agency=agency)
    return CaseFactory(
        company=company,
        consultant=consultant,
        license_id=license_id,
        ruleset_version=_version(license_id, opened),
        opened_on=opened,
        stage_entered_at=at(opened),
        **kw,
    )


def _version(license_id: str, day: date) -> str:
    from licensedesk.core.catalog.loader import default_catalog

    return default_catalog().version_on(license_id, day).version.id


def _stays(case: Case, actor: Any, *moves: tuple[str, date, str]) -> None:
    """Audit rows as the services write them: (stage entered, day, action)."""
    for stage, day, action in moves:
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action=action,
            case=case,
            target=case,
            after={"stage": stage},
            occurred_at=at(day),
        )


def _rounds(case: Case, actor: Any, *days: date) -> None:
    for number, day in enumerate(days, start=1):
        ReviewRound.objects.create(
            case=case, number=number, opened_by=actor, opened_at=at(day), finished_at=at(day, 18)
        )


def _events(case: Case, actor: Any, *events: tuple[str, date]) -> None:
    for kind, day in events:
        CaseEvent.objects.create(
            case=case,
            kind=kind,
            from_stage="x",
            to_stage="y",
            occurred_on=day,
            reference={},
            recorded_by=actor,
        )


def make_history(agency_name: str = "报表测试企业管理咨询有限公司") -> History:
    agency = AgencyFactory(name=agency_name)
    admin = AdminFactory(agency=agency, display_name="管理员")
    c1 = ConsultantFactory(agency=agency, display_name="王顾问")
    c2 = ConsultantFactory(agency=agency, display_name="李顾问")
    d = date
    cases: dict[str, Case] = {}
    # c1 case 1: withdrawn on 14 Feb (2 d in 资质审核, 3 d in 已签委托合同, 30 d collecting)
    k = cases["withdrawn"] = _case(
        agency, "w", consultant=c1, opened=d(2026, 1, 10), stage="withdrawn", closed_at=at(d(2026, 2, 14))
    )
    _stays(
        k,
        c1,
        ("qualification_review", d(2026, 1, 10), "case.created"),
        ("contract_signed", d(2026, 1, 12), "case.transitioned"),
        ("collecting_materials", d(2026, 1, 15), "case.transitioned"),
        ("withdrawn", d(2026, 2, 14), "case.transitioned"),
    )
    _rounds(k, c1, d(2026, 1, 20), d(2026, 2, 1))
    # c2 case 2: licensed on 1 March (4 d, 24 d)
    k = cases["licensed"] = _case(
        agency, "l", consultant=c2, opened=d(2026, 2, 1), stage="licensed", closed_at=at(d(2026, 3, 1))
    )
    _stays(
        k,
        c2,
        ("qualification_review", d(2026, 2, 1), "case.created"),
        ("contract_signed", d(2026, 2, 5), "case.transitioned"),
        ("licensed", d(2026, 3, 1), "case.transitioned"),
    )
    _rounds(k, c2, d(2026, 2, 10))
    # c1 case 3: open in 已签委托合同 (10 d in review); a paper set delivered and accepted on time
    k = cases["open"] = _case(agency, "o", consultant=c1, opened=d(2026, 3, 1), stage="contract_signed")
    _stays(
        k,
        c1,
        ("qualification_review", d(2026, 3, 1), "case.created"),
        ("contract_signed", d(2026, 3, 11), "case.transitioned"),
    )
    _rounds(k, c1, d(2026, 3, 20))
    _events(
        k,
        c1,
        ("paper_delivery", d(2026, 3, 2)),
        ("acceptance_notice", d(2026, 3, 5)),
        ("approval_decision", d(2026, 6, 20)),
    )
    # c1 case 4: ICP filing refused on 1 May (30 d in 主体核验)
    k = cases["refused"] = _case(
        agency,
        "r",
        consultant=c1,
        license_id="icp-filing",
        opened=d(2026, 4, 1),
        stage="rejected",
        closed_at=at(d(2026, 5, 1)),
    )
    _stays(
        k,
        c1,
        ("qualification_review", d(2026, 4, 1), "case.created"),
        ("rejected", d(2026, 5, 1), "case.transitioned"),
    )
    # unassigned, opened before the period, never moved
    cases["old"] = _case(agency, "u", consultant=None, opened=d(2025, 12, 1))
    # c2 case 6: a move undone (the 2 d before it count, the day in 已签委托合同 before the undo does not)
    k = cases["undone"] = _case(agency, "d", consultant=c2, opened=d(2026, 4, 1), stage="contract_signed")
    _stays(
        k,
        c2,
        ("qualification_review", d(2026, 4, 1), "case.created"),
        ("contract_signed", d(2026, 4, 3), "case.transitioned"),
        ("qualification_review", d(2026, 4, 4), "case.move_undone"),
        ("contract_signed", d(2026, 4, 10), "case.transitioned"),
    )
    _events(k, c2, ("paper_delivery", d(2026, 2, 2)), ("acceptance_notice", d(2026, 2, 4)))
    return History(agency, admin, c1, c2, cases)


def more_cases(history: History, n: int) -> None:
    """``n`` more cases with a stay each and a review round: the page must not need more queries."""
    for i in range(n):
        k = _case(history.agency, f"m{i}", consultant=history.c1, opened=date(2026, 5, 1) + timedelta(days=i))
        _stays(
            k,
            history.c1,
            ("qualification_review", date(2026, 5, 1), "case.created"),
            ("contract_signed", date(2026, 5, 3), "case.transitioned"),
        )
        _rounds(k, history.c1, date(2026, 5, 5))
        _events(k, history.c1, ("paper_delivery", date(2026, 5, 6)))

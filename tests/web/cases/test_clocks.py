"""The statutory clocks of a case on its page, the board and the list (issue 11): from the dated events
recorded with the moves, stopping and restarting as the law says; the agency's own targets apart."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from licensedesk.core.deadlines import add_period
from licensedesk.web.accounts.models import StageTarget
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.clocks import clocks_for_case, open_clocks_for_agency
from licensedesk.web.cases.models import Case, CaseEvent
from licensedesk.web.cases.services import case_record_license, case_transition, case_undo_move

from ..factories import CaseFactory, ClientCompanyFactory

pytestmark = pytest.mark.django_db


def _case(tenant: Any, stage: str = "submitted_online", **kwargs: Any) -> Case:
    company = ClientCompanyFactory(agency=tenant.agency, **kwargs)
    return CaseFactory(company=company, stage=stage, consultant=tenant.consultant)


def _move(case: Case, to: str, actor: Any, day: date, **reference: str) -> Case:
    case.refresh_from_db()
    return case_transition(
        case=case,
        to_stage=to,
        actor=actor,
        expected_version=case.version,
        occurred_on=day,
        reference=reference,
        confirmed=True,
    )


def _deliver(case: Case, actor: Any, day: date) -> Case:
    return _move(case, "paper_submitted", actor, day, courier="顺丰速运")


def _accept(case: Case, actor: Any, day: date) -> Case:
    return _move(case, "under_authority_review", actor, day, notice_number="粤通受〔2026〕12号")


def _request_correction(case: Case, actor: Any, day: date, due: date) -> Case:
    return _move(case, "correction_requested", actor, day, items="补充机房租赁合同", due_on=due.isoformat())


def _resubmit(case: Case, actor: Any, day: date) -> Case:
    return _move(case, "under_authority_review", actor, day)


def _approve(case: Case, actor: Any, day: date) -> Case:
    return _move(case, "approved", actor, day, decision_number="粤通许〔2026〕88号")


def _states(case: Case, today: date) -> dict[str, str]:
    return {
        c.limit_id + ("" if c.statutory else "/practice"): c.state
        for c in clocks_for_case(case=case, today=today)
    }


def _page(user: Any, url: str, **params: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _block(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return _text(html[html.index(">", start) + 1 : html.index("</li>", start)])


def test_the_clocks_follow_the_events_and_set_the_cases_statutory_due_date(tenant: Any) -> None:
    today = timezone.localdate()
    delivered = today - timedelta(days=20)
    case = _deliver(_case(tenant), tenant.consultant, delivered)
    assert _states(case, today) == {"acceptance": "running", "decision": "running"}
    acceptance_due = add_period(delivered, 5, "working_days")
    assert Case.objects.get(pk=case.pk).stage_due_on == acceptance_due  # the nearest statutory clock

    accepted = today - timedelta(days=15)
    case = _accept(case, tenant.consultant, accepted)
    assert _states(case, today) == {
        "acceptance": "met",
        "decision": "running",
        "decision/practice": "running",
    }
    # the statutory decision clock (60 days from receipt) is the nearest; the practice one is later
    assert Case.objects.get(pk=case.pk).stage_due_on == add_period(delivered, 60, "days")

    due = today + timedelta(days=10)
    case = _request_correction(case, tenant.consultant, today - timedelta(days=5), due)
    assert _states(case, today) == {
        "acceptance": "met",
        "decision": "stopped",
        "decision/practice": "stopped",
        "correction": "running",
    }
    assert Case.objects.get(pk=case.pk).stage_due_on == due  # the client's correction due date

    resubmitted = today - timedelta(days=1)
    case = _resubmit(case, tenant.consultant, resubmitted)
    assert _states(case, today) == {
        "acceptance": "met",
        "decision": "running",
        "decision/practice": "running",
        "correction": "met",
    }
    # counted anew from the complete application (行政许可法 第三十二条)
    assert Case.objects.get(pk=case.pk).stage_due_on == add_period(resubmitted, 60, "days")

    case = _approve(case, tenant.consultant, today)
    clocks = {c.limit_id: c for c in clocks_for_case(case=case, today=today) if c.statutory}
    assert (clocks["decision"].state, clocks["certificate_issuance"].state) == ("met", "running")
    assert Case.objects.get(pk=case.pk).stage_due_on == add_period(today, 10, "days")

    case_record_license(
        case=case,
        number="粤B2-20260088",
        issued_on=today,
        expires_on=today + timedelta(days=5 * 365),
        actor=tenant.consultant,
    )
    case.refresh_from_db()
    case = case_transition(
        case=case, to_stage="licensed", actor=tenant.consultant, expected_version=case.version, confirmed=True
    )
    assert _states(case, today)["certificate_issuance"] == "met"
    assert Case.objects.get(pk=case.pk).stage_due_on is None  # nothing left to count


def test_undoing_the_correction_request_restores_the_clocks(tenant: Any) -> None:
    today = timezone.localdate()
    case = _deliver(_case(tenant), tenant.consultant, today - timedelta(days=20))
    case = _accept(case, tenant.consultant, today - timedelta(days=15))
    case = _request_correction(case, tenant.consultant, today, today + timedelta(days=10))
    case.refresh_from_db()
    case_undo_move(case=case, actor=tenant.admin, reason="误点了补正", expected_version=case.version)
    assert _states(case, today) == {
        "acceptance": "met",
        "decision": "running",
        "decision/practice": "running",
    }
    assert Case.objects.get(pk=case.pk).stage_due_on == add_period(today - timedelta(days=20), 60, "days")


def test_the_case_page_shows_each_clock_with_basis_due_date_days_left_and_overdue(tenant: Any) -> None:
    today = timezone.localdate()
    case = _case(tenant, stage="under_authority_review")
    long_ago = today - timedelta(days=90)
    for kind, day in (("paper_delivery", long_ago), ("acceptance_notice", long_ago + timedelta(days=3))):
        CaseEvent.objects.create(
            case=case,
            kind=kind,
            from_stage="x",
            to_stage="y",
            occurred_on=day,
            reference={},
            recorded_by=tenant.consultant,
        )
    html = _page(tenant.consultant, reverse("cases:detail", args=[case.pk]))
    decision = _block(html, "clock-decision")
    due = add_period(long_ago, 60, "days")
    assert "决定期限" in decision and f"届满日 {due.isoformat()}" in decision
    assert f"已逾期 逾期 {(today - due).days} 日" in decision
    assert "依据：中华人民共和国电信条例 第十四条" in decision
    assert "此处的“日”是日历日还是工作日，资料尚无定论" in decision
    practice = _block(html, "clock-decision-practice")
    assert "决定期限（实务）" in practice
    assert "实务做法：自“通信管理局受理”起算；法规规定自“递交纸质材料”起算。" in practice
    assert html.index('data-testid="clock-decision"') < html.index('data-testid="clock-decision-practice"')
    acceptance = _block(html, "clock-acceptance")
    assert f"已于 {(long_ago + timedelta(days=3)).isoformat()} 完成" in acceptance
    assert "阶段期限" not in _text(html)  # the unlabelled due date is gone


def test_working_day_clocks_count_days_left_in_working_days(tenant: Any) -> None:
    today = timezone.localdate()
    case = _deliver(_case(tenant), tenant.consultant, today)
    acceptance = _block(_page(tenant.consultant, reverse("cases:detail", args=[case.pk])), "clock-acceptance")
    due = add_period(today, 5, "working_days")
    assert f"届满日 {due.isoformat()}" in acceptance and "还剩 5 个工作日" in acceptance
    assert "即将到期" in acceptance  # within the agency's default 7-day window


def test_a_case_without_events_says_no_clock_runs_yet(tenant: Any) -> None:
    html = _page(tenant.consultant, reverse("cases:detail", args=[tenant.case.pk]))
    assert "尚无法定期限在计算" in _text(html)


def test_open_clocks_for_agency_is_two_queries_and_only_its_own(
    tenant: Any, other_tenant: Any, django_assert_num_queries: Any
) -> None:
    today = timezone.localdate()
    mine = [_deliver(_case(tenant), tenant.consultant, today - timedelta(days=n)) for n in (1, 3)]
    theirs = _deliver(_case(other_tenant), other_tenant.consultant, today)
    with django_assert_num_queries(2):
        pairs = open_clocks_for_agency(agency=tenant.agency, today=today)
    assert {case.pk for case, _ in pairs} == {c.pk for c in mine}
    assert theirs.pk not in {case.pk for case, _ in pairs}
    assert [clock.due for _, clock in pairs] == sorted(clock.due for _, clock in pairs)
    assert all(clock.running for _, clock in pairs)
    for case, _ in pairs:
        assert case.company.name and case.consultant == tenant.consultant  # read with the case


def test_board_cards_flag_overdue_and_due_soon_cases(tenant: Any, django_assert_num_queries: Any) -> None:
    today = timezone.localdate()
    late = _case(tenant, stage="paper_submitted")
    Case.objects.filter(pk=late.pk).update(stage_due_on=today - timedelta(days=1))
    soon = _case(tenant, stage="paper_submitted")
    Case.objects.filter(pk=soon.pk).update(stage_due_on=today + timedelta(days=3))
    later = _case(tenant, stage="paper_submitted")
    Case.objects.filter(pk=later.pk).update(stage_due_on=today + timedelta(days=30))
    client = Client()
    client.force_login(tenant.consultant)
    # session, user, the inbox's unread count (navigation), consultants (filter), counts, cards (with
    # their agency's due-soon window, joined)
    with django_assert_num_queries(6):
        html = client.get(reverse("cases:board"), {"license": "icp-b25"}).content.decode()
    assert f'data-testid="overdue-{late.pk}"' in html and f'data-testid="due-soon-{late.pk}"' not in html
    assert f'data-testid="due-soon-{soon.pk}"' in html and f'data-testid="overdue-{soon.pk}"' not in html
    assert (
        f'data-testid="due-soon-{later.pk}"' not in html and f'data-testid="overdue-{later.pk}"' not in html
    )
    card = _text(html[html.index(f'data-testid="card-{soon.pk}"') :].split("</a>")[0])
    assert f"法定期限 {(today + timedelta(days=3)).isoformat()}" in card and "7 日内到期" in card
    # the agency's own window: 2 days no longer flags the case due in 3
    tenant.agency.due_soon_days = 2
    tenant.agency.save(update_fields=["due_soon_days"])
    html = client.get(reverse("cases:board"), {"license": "icp-b25"}).content.decode()
    assert f'data-testid="due-soon-{soon.pk}"' not in html


def test_the_list_sorts_by_the_nearest_statutory_due_date(
    tenant: Any, django_assert_num_queries: Any
) -> None:
    today = timezone.localdate()
    cases = {}
    for days in (30, -2, 5):
        case = _case(tenant, stage="paper_submitted")
        Case.objects.filter(pk=case.pk).update(stage_due_on=today + timedelta(days=days))
        cases[days] = case
    client = Client()
    client.force_login(tenant.consultant)
    # session, user, the inbox's unread count (navigation), consultants (filter), the count, the page
    with django_assert_num_queries(6):
        html = client.get(reverse("cases:list"), {"sort": "due"}).content.decode()
    ids = [int(pk) for pk in re.findall(r'data-testid="case-link-(\d+)"', html)]
    assert ids[:3] == [cases[-2].pk, cases[5].pk, cases[30].pk]
    assert set(ids[3:]) == {tenant.case.pk, tenant.case2.pk}  # no statutory due date: after the others
    row = _text(html[html.index(f'data-testid="case-due-{cases[-2].pk}"') :].split("</td>")[0])
    assert f"法定期限 {(today - timedelta(days=2)).isoformat()} 已逾期" in row
    row = _text(html[html.index(f'data-testid="case-due-{cases[5].pk}"') :].split("</td>")[0])
    assert "7 日内到期" in row
    assert '<option value="due" selected>法定期限最近的在前</option>' in html


# -- the agency's own targets ------------------------------------------------------------------------------


def _targets_post(user: Any, **data: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(reverse("accounts:agency_targets"), {"due_soon_days": 7, **data})


def test_an_admin_sets_a_target_shown_apart_on_the_case_page(tenant: Any) -> None:
    response = _targets_post(
        tenant.admin,
        **{"target__icp-b25__reviewing_materials": 3, "unit__icp-b25__reviewing_materials": "working_days"},
    )
    assert response.status_code == 302
    target = StageTarget.objects.get(agency=tenant.agency)
    assert (target.license_id, target.stage, target.amount, target.unit) == (
        "icp-b25",
        "reviewing_materials",
        3,
        "working_days",
    )
    audit = AuditEvent.objects.get(action="agency.targets_updated")
    assert audit.after == {"icp-b25/reviewing_materials": [3, "working_days"]}
    case = _case(tenant, stage="reviewing_materials")
    html = _page(tenant.consultant, reverse("cases:detail", args=[case.pk]))
    block = _text(html[html.index('data-testid="agency-target"') :].split("</div>")[0])
    due = add_period(timezone.localdate(case.stage_entered_at), 3, "working_days")
    assert f"本机构内部目标 审核材料：3 个工作日内，即 {due.isoformat()}" in block
    assert "由本机构在机构设置中设定，不是法定期限。" in block
    settings_page = _page(tenant.admin, reverse("accounts:agency_settings"))
    assert 'name="target__icp-b25__reviewing_materials" value="3"' in settings_page


def test_another_agencys_target_is_not_shown(tenant: Any, other_tenant: Any) -> None:
    StageTarget.objects.create(
        agency=other_tenant.agency, license_id="icp-b25", stage="reviewing_materials", amount=2
    )
    case = _case(tenant, stage="reviewing_materials")
    html = _page(tenant.consultant, reverse("cases:detail", args=[case.pk]))
    assert 'data-testid="agency-target"' not in html


def test_a_consultant_may_not_set_targets_and_bad_values_are_refused_at_the_field(tenant: Any) -> None:
    field = "target__icp-b25__reviewing_materials"
    assert _targets_post(tenant.consultant, **{field: 3}).status_code == 403
    refused = _targets_post(tenant.admin, **{field: 400, "due_soon_days": 0})
    assert refused.status_code == 400
    text = _text(refused.content.decode())
    assert "确保该值小于或等于365。" in text and "确保该值大于或等于1。" in text
    assert not StageTarget.objects.exists()


def test_clearing_a_target_deletes_it(tenant: Any) -> None:
    StageTarget.objects.create(agency=tenant.agency, license_id="icp-b25", stage="drafting", amount=2)
    assert _targets_post(tenant.admin, **{"target__icp-b25__drafting": ""}).status_code == 302
    assert not StageTarget.objects.exists()
    assert AuditEvent.objects.get(action="agency.targets_updated").before == {
        "icp-b25/drafting": [2, "working_days"]
    }


# -- the client's view ------------------------------------------------------------------------------------


def test_the_client_sees_the_correction_due_date_and_no_staff_detail(tenant: Any, other_tenant: Any) -> None:
    today = timezone.localdate()
    case = tenant.case
    Case.objects.filter(pk=case.pk).update(stage="submitted_online")
    case.refresh_from_db()
    case = _deliver(case, tenant.consultant, today - timedelta(days=10))
    case = _accept(case, tenant.consultant, today - timedelta(days=8))
    due = today + timedelta(days=12)
    _request_correction(case, tenant.consultant, today, due)
    html = _page(tenant.client, reverse("portal:case", args=[case.pk]))
    clock = _text(html[html.index('data-testid="portal-clock-correction"') :].split("</p>")[0])
    assert f"补正期限 ：许可机关通知所定期限为 {due.isoformat()} · 还剩 12 日" in clock
    text = _text(html)
    assert "决定期限" not in text and "实务" not in text and "依据" not in text
    other = Client()
    other.force_login(other_tenant.client)
    assert other.get(reverse("portal:case", args=[case.pk])).status_code == 404


def test_the_clocks_read_in_english(tenant: Any) -> None:
    today = timezone.localdate()
    case = _deliver(_case(tenant), tenant.consultant, today)
    case = _accept(case, tenant.consultant, today)
    client = Client()
    client.force_login(tenant.consultant)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    practice = _block(html, "clock-decision-practice")
    due = add_period(today, 60, "days")
    assert f"Decision (practice) due {due.isoformat()}" in practice
    assert f"{(due - today).days} days left" in practice
    assert (
        "Administrations' practice: counted from “Application accepted”; "
        "the statute counts from “Paper set delivered”." in practice
    )
    assert f"met on {today.isoformat()}" in _block(html, "clock-acceptance")

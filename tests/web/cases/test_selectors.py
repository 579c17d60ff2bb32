"""Who sees what (in one place), and the query counts of the main selectors."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from licensedesk.core.errors import NotFound
from licensedesk.web.accounts.models import User
from licensedesk.web.cases import selectors
from licensedesk.web.cases.models import NoteVisibility
from licensedesk.web.cases.services import case_run_check, note_create, task_create

from ..factories import CaseFactory, ClientCompanyFactory, ConsultantFactory

pytestmark = pytest.mark.django_db


def _ids(queryset: Any) -> set[int]:
    return {obj.pk for obj in queryset}


def test_visibility_by_role(tenant: Any, other_tenant: Any) -> None:
    both = {tenant.case.pk, tenant.case2.pk}
    assert _ids(selectors.case_list_visible_to(user=tenant.admin)) == both
    assert _ids(selectors.case_list_visible_to(user=tenant.consultant)) == both
    assert _ids(selectors.case_list_visible_to(user=tenant.client)) == {tenant.case.pk}
    assert _ids(selectors.case_list_visible_to(user=tenant.client2)) == {tenant.case2.pk}
    assert _ids(selectors.company_list_visible_to(user=tenant.client)) == {tenant.company.pk}
    assert _ids(selectors.company_list_visible_to(user=tenant.consultant)) == {
        tenant.company.pk,
        tenant.company2.pk,
    }
    assert _ids(selectors.case_list_visible_to(user=other_tenant.admin)) == {
        other_tenant.case.pk,
        other_tenant.case2.pk,
    }


def test_nobody_outside_a_tenant_sees_anything(tenant: Any) -> None:
    superuser = User.objects.create_superuser("root", password="x")  # platform operator: no agency
    inactive = ConsultantFactory(agency=tenant.agency, is_active=False)
    for user in (AnonymousUser(), superuser, inactive, None):
        assert not selectors.case_list_visible_to(user=user).exists()
        assert not selectors.company_list_visible_to(user=user).exists()


def test_get_of_another_tenants_object_is_not_found(tenant: Any, other_tenant: Any) -> None:
    for user, case in (
        (tenant.admin, other_tenant.case),
        (tenant.consultant, other_tenant.case),
        (tenant.client, tenant.case2),
        (tenant.client, other_tenant.case),
    ):
        with pytest.raises(NotFound) as caught:
            selectors.case_get_visible_to(user=user, case_id=case.pk)
        assert caught.value.code == "case.not_found"
        with pytest.raises(NotFound):
            selectors.case_detail(user=user, case_id=case.pk)
        with pytest.raises(NotFound):
            selectors.company_get_visible_to(user=user, company_id=case.company_id)
    assert selectors.case_get_visible_to(user=tenant.client, case_id=tenant.case.pk) == tenant.case


def test_filters_and_search(tenant: Any) -> None:
    assert _ids(selectors.case_list_visible_to(user=tenant.admin, consultant_id=tenant.consultant.pk)) == {
        tenant.case.pk
    }
    assert _ids(selectors.case_list_visible_to(user=tenant.admin, search=tenant.company2.name[-8:])) >= {
        tenant.case2.pk
    }
    assert _ids(
        selectors.case_list_visible_to(user=tenant.admin, search=tenant.company.uscc[:17].lower())
    ) == {tenant.case.pk}
    assert not selectors.case_list_visible_to(user=tenant.admin, stage="drafting").exists()
    assert _ids(selectors.company_list_visible_to(user=tenant.admin, search=tenant.company.uscc)) == {
        tenant.company.pk
    }


def test_client_sees_only_shared_notes_and_no_tasks(tenant: Any) -> None:
    note_create(case=tenant.case, author=tenant.consultant, body="内部：客户资金紧张")
    shared = note_create(
        case=tenant.case, author=tenant.consultant, body="请上传章程", visibility=NoteVisibility.CLIENT
    )
    task_create(case=tenant.case, actor=tenant.consultant, title="内部任务")
    assert _ids(selectors.notes_visible_to(user=tenant.client, case=tenant.case)) == {shared.pk}
    assert len(selectors.notes_visible_to(user=tenant.consultant, case=tenant.case)) == 2
    assert not selectors.tasks_visible_to(user=tenant.client, case=tenant.case).exists()
    assert not selectors.notes_visible_to(user=tenant.client2, case=tenant.case).exists()
    detail = selectors.case_detail(user=tenant.client, case_id=tenant.case.pk)
    assert [n.pk for n in detail.notes] == [shared.pk] and detail.tasks == [] and detail.overrides == []


def test_case_moves_explain_what_blocks_them(tenant: Any) -> None:
    [contract, withdraw] = selectors.case_moves(user=tenant.consultant, case=tenant.case)
    assert (contract.to_stage, contract.title_zh, contract.allowed) == (
        "contract_signed",
        "已签委托合同",
        False,
    )
    assert [g.code for g in contract.blocked_by] == ["guard.eligibility.no_check"]
    assert withdraw.withdrawal and withdraw.allowed
    [contract, _] = selectors.case_moves(user=tenant.other_consultant, case=tenant.case)
    assert not contract.permitted
    assert selectors.case_moves(user=tenant.client, case=tenant.case) == []
    case_run_check(case=tenant.case, actor=tenant.consultant)
    [contract, _] = selectors.case_moves(user=tenant.admin, case=tenant.case)
    assert contract.allowed


def test_board_columns_follow_the_workflow(tenant: Any) -> None:
    CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), stage="drafting")
    board = selectors.case_board(user=tenant.admin, license_id="icp-b25")
    assert board[0].stage == "qualification_review" and len(board[0].cases) == 2
    assert {c.stage: len(c.cases) for c in board}["drafting"] == 1
    assert [c.stage for c in board][-3:] == ["licensed", "rejected", "withdrawn"]


# -- query counts --------------------------------------------------------------------------------------


def _many_cases(tenant: Any, count: int = 8) -> None:
    for _ in range(count):
        CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), consultant=tenant.consultant)


def test_case_list_is_one_query(tenant: Any, django_assert_num_queries: Any) -> None:
    _many_cases(tenant)
    with django_assert_num_queries(1):
        rows = [
            (c.company.name, c.consultant and c.consultant.username)
            for c in selectors.case_list_visible_to(user=tenant.admin)
        ]
    assert len(rows) == 10


def test_company_list_is_one_query(tenant: Any, django_assert_num_queries: Any) -> None:
    _many_cases(tenant)
    with django_assert_num_queries(1):
        assert len(list(selectors.company_list_visible_to(user=tenant.consultant))) == 10


def test_board_is_two_queries(tenant: Any, django_assert_num_queries: Any) -> None:
    _many_cases(tenant)
    # the count per stage, the cards (ranked per stage in a subquery) with company and consultant
    with django_assert_num_queries(2):
        board = selectors.case_board(user=tenant.consultant, license_id="icp-b25")
        assert sum(len(c.cases) for c in board) == 10 and sum(c.count for c in board) == 10
        assert all(case.company.name and case.company.uscc for column in board for case in column.cases)


def test_board_columns_show_their_newest_cards_and_count_them_all(
    tenant: Any, other_tenant: Any, django_assert_num_queries: Any
) -> None:
    drafting = [
        CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), stage="drafting") for _ in range(7)
    ]
    CaseFactory(company=ClientCompanyFactory(agency=other_tenant.agency), stage="drafting")
    closed = CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), stage="drafting")
    closed.closed_at = closed.updated_at
    closed.save()
    newest_first = sorted(drafting, key=lambda c: (c.updated_at, c.pk), reverse=True)
    with django_assert_num_queries(2):  # the same two queries, however many cases
        board = {c.stage: c for c in selectors.case_board(user=tenant.admin, license_id="icp-b25", cards=3)}
    column = board["drafting"]
    assert [c.pk for c in column.cases] == [c.pk for c in newest_first[:3]]
    assert (column.count, column.more) == (7, 4)  # the other agency's and the closed case are not counted
    assert (board["qualification_review"].count, len(board["qualification_review"].cases)) == (2, 2)
    assert board["submitted_online"].count == 0 and board["submitted_online"].cases == []


def test_board_of_one_consultant_and_of_nobody(tenant: Any) -> None:
    CaseFactory(company=ClientCompanyFactory(agency=tenant.agency), stage="drafting")
    mine = selectors.case_board(user=tenant.admin, license_id="icp-b25", consultant_id=tenant.consultant.pk)
    assert {(c.stage, c.count) for c in mine if c.count} == {("qualification_review", 1)}
    assert [c.pk for c in mine[0].cases] == [tenant.case.pk]
    nobody = selectors.case_board(user=AnonymousUser(), license_id="icp-b25")
    assert all(c.count == 0 and c.cases == [] for c in nobody)


def test_list_rows_leave_the_company_profile_unread(tenant: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        [row, *_] = selectors.case_list_visible_to(user=tenant.admin)
    assert "profile" in row.company.get_deferred_fields()
    with django_assert_num_queries(1):  # read on demand, still correct
        assert row.company.profile["company"]["name"] == row.company.name


def test_case_detail_query_count(tenant: Any, django_assert_num_queries: Any) -> None:
    for _ in range(3):
        case_run_check(case=tenant.case, actor=tenant.consultant)
        note_create(case=tenant.case, author=tenant.consultant, body="备注", visibility=NoteVisibility.CLIENT)
        task_create(case=tenant.case, actor=tenant.consultant, title="任务", assignee=tenant.consultant)
    with django_assert_num_queries(5):  # case+company+consultant+record, checks, notes, tasks, overrides
        detail = selectors.case_detail(user=tenant.consultant, case_id=tenant.case.pk)
        assert [n.author.username for n in detail.notes] and [t.assignee.username for t in detail.tasks]
        assert detail.check_diff is not None and detail.latest_check.run_by.username
    with django_assert_num_queries(3):  # client: case, checks, notes
        selectors.case_detail(user=tenant.client, case_id=tenant.case.pk)


def test_check_diff_is_one_query(tenant: Any, django_assert_num_queries: Any) -> None:
    case_run_check(case=tenant.case, actor=tenant.consultant)
    case_run_check(case=tenant.case, actor=tenant.consultant)
    with django_assert_num_queries(1):
        assert selectors.case_check_diff(case=tenant.case) is not None


def test_a_search_holding_a_nul_character_finds_nothing_instead_of_failing(client: Any, tenant: Any) -> None:
    # PostgreSQL refuses NUL in a query's text (a 500 before); no stored name or number can hold one
    client.force_login(tenant.consultant)
    response = client.get(reverse("cases:company_list"), {"q": tenant.company.name[:4] + "\x00"})
    assert response.status_code == 200
    assert tenant.company.name not in response.content.decode()
    assert not selectors.case_list_visible_to(user=tenant.consultant, search=tenant.company.name[:4] + "\x00")
    # the case list's form refuses it by name and lists the cases unfiltered
    response = client.get(reverse("cases:list"), {"q": "x\x00"})
    assert response.status_code == 200

"""Portal selectors: a client's cases with their steps and what is asked of them, the invitations staff see,
and what the client changed since the last eligibility check."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import timezone

from licensedesk.core.errors import NotFound, PermissionDenied
from licensedesk.web.cases.models import Case, CaseCheck, ClientCompany
from licensedesk.web.cases.services import (
    case_run_check,
    case_transition,
    company_profile_update,
)
from licensedesk.web.materials.services import material_upload, review_round_finish, version_reject
from licensedesk.web.portal.selectors import (
    invitations_for_case,
    portal_case,
    portal_cases,
    profile_changes_since_last_check,
)
from licensedesk.web.portal.services import invitation_create, profile_section_submit

from ..factories import CaseCheckFactory, CaseFactory, incomplete_profile
from ..materials.conftest import material, pdf

pytestmark = pytest.mark.django_db


def _make_incomplete(tenant: Any) -> None:
    """The company's profile without staff numbers or capital, and a check that says so."""
    profile = incomplete_profile(tenant.company.name, tenant.company.uscc)
    del profile["company"]["staff_total"]
    company_profile_update(company=tenant.company, profile=profile, actor=tenant.consultant)
    case_run_check(case=tenant.case, actor=tenant.consultant)


# -- the client's cases -----------------------------------------------------------------------------


def test_a_client_sees_their_companys_cases_only(tenant: Any, other_tenant: Any) -> None:
    [item] = portal_cases(user=tenant.client)
    assert item.case == tenant.case
    assert (item.stage_title_zh, item.stage_title_en, item.waiting_on, item.closed) == (
        "资质审核",
        "Qualification review",
        "agency",
        False,
    )
    assert (item.license_name_zh, item.license_name_en)[0].startswith("增值电信业务经营许可证")
    assert [s.state for s in item.steps][:2] == ["current", "next"]
    assert item.asks == []  # the agency's stage, no check yet: nothing asked
    assert [i.case for i in portal_cases(user=tenant.client2)] == [tenant.case2]


@pytest.mark.parametrize("role", ["admin", "consultant"])
def test_staff_are_not_portal_users(tenant: Any, role: str) -> None:
    with pytest.raises(PermissionDenied) as caught:
        portal_cases(user=getattr(tenant, role))
    assert (caught.value.code, caught.value.message, caught.value.message_zh) == (
        "portal.clients_only",
        "The client portal is for client users; agency staff use the case pages.",
        "客户门户仅供客户用户使用；机构员工请使用案件页面。",
    )


def test_another_clients_case_is_not_found(tenant: Any, other_tenant: Any) -> None:
    for case in (tenant.case2, other_tenant.case):
        with pytest.raises(NotFound) as caught:
            portal_case(user=tenant.client, case_id=case.pk)
        assert caught.value.code == "case.not_found"


def test_missing_profile_fields_are_asked_until_filled(tenant: Any) -> None:
    _make_incomplete(tenant)
    item = portal_case(user=tenant.client, case_id=tenant.case.pk)
    asks = {a.path: a for a in item.asks if a.kind == "profile"}
    assert set(asks) == {"company.registered_capital_cny", "company.staff_total"}
    ask = asks["company.registered_capital_cny"]
    assert (ask.title_zh, ask.title_en, ask.section, ask.detail_zh, ask.detail_en) == (
        "注册资本（元）",
        "Registered capital (CNY)",
        "company",
        "公司信息",
        "Company",
    )
    company = ClientCompany.objects.get(pk=tenant.company.pk)
    section = {**company.profile["company"], "staff_total": 30}
    profile_section_submit(
        company=company,
        section="company",
        data=section,
        actor=tenant.client,
        expected_version=company.version,
    )
    item = portal_case(user=tenant.client, case_id=tenant.case.pk)
    assert [a.path for a in item.asks] == ["company.registered_capital_cny"]  # filled since the check


def test_without_a_checklist_a_stage_of_the_client_asks_for_the_checks_materials(tenant: Any) -> None:
    Case.objects.filter(pk=tenant.case2.pk).update(stage="collecting_materials")
    case = tenant.case2
    CaseCheckFactory(
        case=case,
        result={
            "verdict": "eligible",
            "conditions": [],
            "materials": [
                {
                    "id": "business_license",
                    "title_zh": "营业执照",
                    "title_en": "Business license",
                    "required": True,
                    "guidance_zh": "加盖公章的复印件",
                    "guidance_en": "A sealed copy",
                },
                {"id": "guarantee_letter", "title_zh": "担保函", "title_en": "Guarantee", "required": False},
                {"id": "company_profile", "title_zh": "公司概况", "title_en": "Profile", "required": True},
            ],
        },
    )
    item = portal_case(user=tenant.client2, case_id=case.pk)
    assert item.waiting_on == "client"
    assert [(a.kind, a.title_zh, a.detail_zh) for a in item.asks] == [
        ("material", "营业执照", "加盖公章的复印件"),  # not the agency's company profile
    ]


def test_a_material_sent_is_not_asked_for_again_unless_it_comes_back(
    tenant: Any, django_assert_num_queries: Any
) -> None:
    """Found by the browser journey: the portal kept asking for all materials after two were
    accepted. With a checklist, only what the client has to (re)send is asked for; a rejection is asked
    for again at once (found on the demo: it stayed "under review" until the round ended)."""
    case_run_check(case=tenant.case, actor=tenant.consultant)
    for version, stage in enumerate(("contract_signed", "collecting_materials"), start=1):
        case_transition(case=tenant.case, to_stage=stage, actor=tenant.consultant, expected_version=version)
    license_copy = "营业执照副本复印件（或名称预先核准通知书）"

    def asked() -> list[str]:
        [item] = portal_cases(user=tenant.client)
        return [a.title_zh for a in item.material_asks]

    count = len(asked())
    assert count == 5 and license_copy in asked()  # the client's own, not the agency's drafts
    version = material_upload(
        material=material(tenant.case, "business_license"), actor=tenant.client, files=[pdf()]
    )
    assert len(asked()) == count - 1 and license_copy not in asked()  # sent: waiting for review
    version_reject(version=version, actor=tenant.consultant, reason="seal_missing")
    assert len(asked()) == count and license_copy in asked()  # to send again, the round still open
    review_round_finish(case=tenant.case, actor=tenant.consultant)
    assert len(asked()) == count and license_copy in asked()
    with django_assert_num_queries(6):  # + the paths taken, + checklists, documents to sign, messages
        portal_cases(user=tenant.client)
    assert portal_case(user=tenant.client2, case_id=tenant.case2.pk).material_asks == []  # agency's stage


def test_a_withdrawn_case_shows_the_steps_it_never_reached(tenant: Any) -> None:
    case_run_check(case=tenant.case, actor=tenant.consultant)
    case_transition(case=tenant.case, to_stage="contract_signed", actor=tenant.consultant, expected_version=1)
    case_transition(
        case=tenant.case,
        to_stage="withdrawn",
        actor=tenant.consultant,
        expected_version=2,
        reason="客户决定暂缓申请",
        confirmed=True,
    )
    [item] = portal_cases(user=tenant.client)
    states = {s.stage: s.state for s in item.steps}
    assert states["qualification_review"] == "done" and states["contract_signed"] == "done"
    assert states["collecting_materials"] == "skipped"
    assert states["withdrawn"] == "current" and states["drafting"] == "skipped" and "licensed" not in states
    assert item.closed and item.asks == []


def test_the_case_list_reads_a_fixed_number_of_queries(tenant: Any, django_assert_num_queries: Any) -> None:
    CaseCheckFactory(case=tenant.case)
    # the cases with their latest check's id, those checks, paths, and what is asked (checklists,
    # documents to sign, shared messages)
    with django_assert_num_queries(6):
        assert len(portal_cases(user=tenant.client)) == 1
    for _ in range(3):  # earlier applications of the same company, closed
        case = CaseFactory(company=tenant.company, stage="licensed", closed_at=timezone.now())
        CaseCheckFactory(case=case)
    with django_assert_num_queries(6):
        items = portal_cases(user=tenant.client)
    assert items[0].case.pk == tenant.case.pk  # the open case first
    assert len(items) == 4 and all(i.latest_check is not None for i in items[1:])


# -- invitations ----------------------------------------------------------------------------------------


def test_staff_of_the_agency_see_a_cases_invitations(tenant: Any, other_tenant: Any) -> None:
    first = invitation_create(case=tenant.case, email="a@example.cn", actor=tenant.consultant)
    second = invitation_create(case=tenant.case, email="b@example.cn", actor=tenant.admin)
    invitation_create(case=tenant.case2, email="c@example.cn", actor=tenant.admin)
    for staff in (tenant.admin, tenant.consultant, tenant.other_consultant):
        assert list(invitations_for_case(user=staff, case=tenant.case)) == [second, first]
    for outsider in (tenant.client, other_tenant.admin, None):
        assert not invitations_for_case(user=outsider, case=tenant.case).exists()


# -- what the client changed since the last check ----------------------------------------------------


def test_no_check_no_changes(tenant: Any) -> None:
    assert profile_changes_since_last_check(case=tenant.case) is None


def test_the_changes_since_the_last_check_and_who_made_them(
    tenant: Any, django_assert_num_queries: Any
) -> None:
    case_run_check(case=tenant.case, actor=tenant.consultant)
    assert profile_changes_since_last_check(case=tenant.case).changes == []
    company = ClientCompany.objects.get(pk=tenant.company.pk)
    section = {**company.profile["company"], "staff_total": 30, "technical_staff": 9}
    profile_section_submit(
        company=company, section="company", data=section, actor=tenant.client, expected_version=1
    )
    profile = copy.deepcopy(ClientCompany.objects.get(pk=company.pk).profile)
    profile["company"]["technical_staff"] = 10
    profile["readiness"]["business_plan"] = False
    company_profile_update(company=company, profile=profile, actor=tenant.consultant)
    with django_assert_num_queries(4):
        found = profile_changes_since_last_check(case=tenant.case)
    changes = {c.path: c for c in found.changes}
    assert set(changes) == {"company.staff_total", "company.technical_staff", "readiness.business_plan"}
    staff = changes["company.staff_total"]
    assert (staff.before, staff.after) == (12, 30)
    assert [(w.user_id, w.is_client) for w in staff.changed_by] == [(tenant.client.pk, True)]
    technical = changes["company.technical_staff"]
    assert (technical.before, technical.after) == (5, 10)
    assert [w.user_id for w in technical.changed_by] == [tenant.client.pk, tenant.consultant.pk]
    assert changes["readiness.business_plan"].changed_by[0].label == tenant.consultant.display_name
    # a new check starts over
    case_run_check(case=tenant.case, actor=tenant.consultant)
    assert profile_changes_since_last_check(case=tenant.case).changes == []


def test_a_field_removed_since_the_check_shows_as_absent(tenant: Any) -> None:
    case_run_check(case=tenant.case, actor=tenant.consultant)
    company = ClientCompany.objects.get(pk=tenant.company.pk)
    profile_section_submit(
        company=company, section="readiness", data={}, actor=tenant.client, expected_version=1
    )
    changes = {c.path: c for c in profile_changes_since_last_check(case=tenant.case).changes}
    assert (
        changes["readiness.business_plan"].before is True and changes["readiness.business_plan"].after is None
    )


def test_a_check_without_a_snapshot_still_says_whether_something_changed(tenant: Any) -> None:
    CaseCheckFactory(case=tenant.case, profile=None)
    found = profile_changes_since_last_check(case=tenant.case)
    assert found.snapshot_missing and not found.changed
    CaseCheck.objects.update(profile_hash="0" * 64)
    assert profile_changes_since_last_check(case=tenant.case).changed

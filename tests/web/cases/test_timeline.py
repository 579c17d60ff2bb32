"""The case timeline tells each audit event as a sentence, in Chinese or English."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from licensedesk.web.audit.selectors import audit_events_visible_to
from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases import timeline
from licensedesk.web.cases.hooks import check_stored_hooks_disabled
from licensedesk.web.cases.services import (
    case_assign_consultant,
    case_create,
    case_override_eligibility,
    case_record_license,
    case_run_check,
    case_set_target_date,
    case_transition,
    note_create,
    task_complete,
    task_create,
)
from licensedesk.web.cases.timeline import Names, case_timeline, register_description

from ..factories import ClientCompanyFactory, make_uscc, not_eligible_profile

pytestmark = pytest.mark.django_db


def _story(tenant: Any) -> tuple[Any, Names]:
    """A case with one event of every kind the cases app writes (and one it does not know)."""
    admin, consultant = tenant.admin, tenant.consultant
    company = ClientCompanyFactory(
        agency=tenant.agency, raw_profile=not_eligible_profile("深圳市时间线科技有限公司", make_uscc(901))
    )
    case = case_create(company=company, license_id="icp-b25", actor=admin, consultant=consultant)
    with check_stored_hooks_disabled():  # the cases app's own events only
        case_run_check(case=case, actor=consultant)
    case_override_eligibility(case=case, actor=admin, reason="客户承诺增资后再签约")
    case_transition(case=case, to_stage="contract_signed", actor=consultant, expected_version=case.version)
    case_assign_consultant(
        case=case, consultant=tenant.other_consultant, actor=admin, expected_version=case.version
    )
    target = timezone.localdate() + timedelta(days=30)
    case_set_target_date(case=case, target_date=target, actor=admin, expected_version=case.version)
    note_create(case=case, author=consultant, body="已与客户电话沟通", visibility="client")
    note_create(case=case, author=consultant, body="内部提醒")
    task = task_create(case=case, actor=consultant, title="收集营业执照")
    task_complete(task=task, actor=consultant)
    for stage in ("collecting_materials",):
        case_transition(case=case, to_stage=stage, actor=admin, expected_version=case.version)
    audit_record(agency=case.agency_id, actor=admin, action="materials.something_new", case=case, target=case)
    names = Names(
        case=case,
        tasks={task.pk: task.title},
        users={u.pk: str(u) for u in (admin, consultant, tenant.other_consultant)},
    )
    return case, names


def _texts(tenant: Any, case: Any, names: Names) -> list[str]:
    events = audit_events_visible_to(user=tenant.admin, case=case)
    return [f"{e.text}|{e.detail}" for e in reversed(case_timeline(events, names))]


def test_every_case_event_in_chinese(tenant: Any) -> None:
    case, names = _story(tenant)
    target = case.target_date.isoformat()
    assert _texts(tenant, case, names) == [
        "立案：ICP 许可证，规则版本 2017-09-01|",
        "运行资格检查：不符合申请条件|",
        "豁免门槛条件：资格检查|客户承诺增资后再签约",
        "案件从“资质审核”进入“已签委托合同”|（已豁免：资格检查）",
        f"将案件指派给 {tenant.other_consultant}|",
        f"目标日期设为 {target}|",
        "添加了客户可见的备注|已与客户电话沟通",
        "添加了内部备注|内部提醒",
        "新建任务“收集营业执照”|",
        "完成任务“收集营业执照”|",
        "案件从“已签委托合同”进入“收集材料”|",
        "记录事件 materials.something_new|",
    ]


def test_every_case_event_in_english(tenant: Any) -> None:
    case, names = _story(tenant)
    with translation.override("en"):
        texts = _texts(tenant, case, names)
    assert texts[:4] == [
        "Opened the case: ICP license, rule version 2017-09-01|",
        "Ran the eligibility check: not eligible|",
        "Overrode the eligibility requirement|客户承诺增资后再签约",
        "Moved the case from Qualification review to Contract signed|(past an override of: eligibility)",
    ]
    assert texts[-1] == "Recorded materials.something_new|"


def test_license_records_and_their_corrections(tenant: Any) -> None:
    company = ClientCompanyFactory(agency=tenant.agency)
    case = case_create(company=company, license_id="icp-b25", actor=tenant.admin, consultant=tenant.admin)
    case.stage = "approved"
    case.save(update_fields=["stage"])
    today = timezone.localdate()
    for number in ("粤B2-20260001", "粤B2-20260002"):
        case_record_license(
            case=case, number=number, issued_on=today, expires_on=today + timedelta(1826), actor=tenant.admin
        )
    texts = _texts(tenant, case, Names(case=case, tasks={}, users={}))
    end = (today + timedelta(1826)).isoformat()
    assert texts[1:] == [
        f"登记许可证 粤B2-20260001|有效期 {today.isoformat()} 至 {end}",
        f"更正许可证记录：粤B2-20260002|有效期 {today.isoformat()} 至 {end}",
    ]


def test_the_actor_is_named_and_events_without_one_are_the_systems(tenant: Any) -> None:
    case, names = _story(tenant)
    audit_record(agency=case.agency_id, actor=None, action="invitation.opened", case=case, target=case)
    entries = case_timeline(audit_events_visible_to(user=tenant.admin, case=case), names)
    assert (entries[0].actor, entries[0].text) == ("系统", "客户打开了门户邀请")
    assert entries[-1].actor == str(tenant.admin)


def test_other_apps_describe_their_own_events(tenant: Any) -> None:
    case, names = _story(tenant)
    register_description("materials.something_new", lambda event, names, lang: ("新的材料事件", "细节"))
    try:
        [entry] = [
            e
            for e in case_timeline(audit_events_visible_to(user=tenant.admin, case=case), names)
            if e.action == "materials.something_new"
        ]
    finally:
        timeline._DESCRIBERS.pop("materials.something_new")
    assert (entry.text, entry.detail) == ("新的材料事件", "细节")


def _download(case: Any, actor: Any, material: str = "business_license") -> None:
    audit_record(
        agency=case.agency_id,
        actor=actor,
        action="material.file_downloaded",
        case=case,
        target=case,
        data={"material": material, "version": 1},
    )


def test_consecutive_downloads_by_one_person_are_one_line(tenant: Any) -> None:
    case, names = _story(tenant)
    for material in (
        "business_license",
        "credit_proof",
        "business_license",
        "credit_proof",
        "business_license",
    ):
        _download(case, tenant.admin, material)
    _download(case, tenant.consultant)  # another person: a line of its own
    note_create(case=case, author=tenant.consultant, body="资料已下载核对")
    _download(case, tenant.admin)  # after the note: not merged with the five before it
    entries = case_timeline(audit_events_visible_to(user=tenant.admin, case=case), names)
    assert [(e.actor, e.text) for e in entries[:4]] == [
        (str(tenant.admin), "下载“营业执照副本复印件（或名称预先核准通知书）”第 1 版的文件"),
        (str(tenant.consultant), "添加了内部备注"),
        (str(tenant.consultant), "下载“营业执照副本复印件（或名称预先核准通知书）”第 1 版的文件"),
        (str(tenant.admin), "下载了 5 个文件"),
    ]
    assert (
        entries[3].detail == "下载“营业执照副本复印件（或名称预先核准通知书）”第 1 版的文件；"
        "下载“公司信誉情况证明材料”第 1 版的文件"
    )
    assert entries[4].text == "记录事件 materials.something_new"
    with translation.override("en"):
        english = case_timeline(audit_events_visible_to(user=tenant.admin, case=case), names)
    assert english[3].text == "Downloaded 5 files"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("notes", ["添加了内部备注", "添加了内部备注", "添加了客户可见的备注"]),
        (
            "moves",
            [
                "案件从“已签委托合同”进入“收集材料”",
                "豁免门槛条件：资格检查",
                "案件从“资质审核”进入“已签委托合同”",
                "立案：ICP 许可证，规则版本 2017-09-01",
            ],
        ),
        ("materials", ["下载“营业执照副本复印件（或名称预先核准通知书）”第 1 版的文件"]),
        ("bogus", None),  # anything else: everything
    ],
)
def test_the_timeline_filter_on_the_case_page(tenant: Any, kind: str, expected: list[str] | None) -> None:
    from django.test import Client
    from django.urls import reverse

    case, _names = _story(tenant)
    note_create(case=case, author=tenant.consultant, body="再次核对")
    _download(case, tenant.admin)
    client = Client()
    client.force_login(tenant.consultant)
    response = client.get(reverse("cases:detail", args=[case.pk]), {"timeline": kind})
    shown = [entry.text for entry in response.context["timeline"]]
    if expected is None:
        assert response.context["timeline_kind"] == "all" and len(shown) == 14
        return
    assert sorted(shown) == sorted(expected)
    page = response.content.decode()
    assert f'class="chip is-active" aria-current="true" data-kind="{kind}"' in page


def test_an_event_without_a_sentence_is_named_by_its_label_not_its_code(tenant: Any) -> None:
    """An action the timeline has no sentence for shows its name (``更新企业档案``), never its code
    (``company.profile_updated``); only an action nobody named falls back to the code."""
    from licensedesk.web.audit.models import AuditEvent

    names = Names(case=tenant.case, tasks={}, users={})
    event = AuditEvent(action="company.profile_updated", data={})
    with translation.override("zh-hans"):
        assert timeline.describe(event, names, "zh") == ("记录事件 更新企业档案", "")
    with translation.override("en"):
        assert timeline.describe(event, names, "en") == ("Recorded Company profile updated", "")

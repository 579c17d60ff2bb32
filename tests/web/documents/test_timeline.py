"""The documents events on the case timeline (registered by the documents app)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from licensedesk.web.audit.selectors import audit_events_visible_to
from licensedesk.web.cases.timeline import Names, case_timeline

from .conftest import generate_now, make_ready

pytestmark = pytest.mark.django_db


def test_data_requests_generation_and_failures_are_told(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant, leave_out=("agency.address",))
    generate_now(case, tenant.consultant, only=["commission_contract"])
    generate_now(case, tenant.consultant, only=["application_letter", "lawful_operation_commitment"])
    names = Names(case=case, tasks={}, users={})
    with translation.override("zh-hans"):
        entries = [
            (e.text, e.detail)
            for e in reversed(case_timeline(audit_events_visible_to(user=tenant.admin, case=case), names))
            if e.action.startswith("documents.")
        ]
    assert entries[0][0] == "保存文件数据" and "合同签订日期" in entries[0][1]
    assert entries[1:] == [
        ("请求生成申请文件", "委托办理合同"),
        ("文件生成失败", "缺少：代办机构地址"),  # the field's name, never its path
        ("请求生成申请文件", "书面申请（法定代表人签署）、依法经营电信业务承诺书（法定代表人签署）"),
        ("已生成 2 份文件", "书面申请（法定代表人签署）、依法经营电信业务承诺书（法定代表人签署）"),
    ]


def test_a_failure_without_missing_fields_says_why_in_words_not_its_code(tenant: Any) -> None:
    from licensedesk.web.audit.models import AuditEvent
    from licensedesk.web.cases.timeline import describe

    names = Names(case=tenant.case, tasks={}, users={})
    failed = AuditEvent(
        action="documents.generation_failed", data={"code": "documents.generation_error", "missing": {}}
    )
    with translation.override("zh-hans"):
        assert describe(failed, names, "zh") == ("文件生成失败", "发生意外错误，已记录日志供管理员查看")
    with translation.override("en"):
        assert describe(failed, names, "en")[1] == "an unexpected error; it was logged for the administrator"


def test_data_saved_before_the_agency_settings_is_told_by_label_never_by_path(tenant: Any) -> None:
    from licensedesk.web.audit.services import audit_record

    case = tenant.case
    audit_record(
        agency=case.agency_id,
        actor=tenant.consultant,
        action="documents.data_saved",
        case=case,
        after={"number": "LD-1", "agency.uscc": "91440300MA5G7QXK0M", "service_name": "云帆资讯"},
    )
    names = Names(case=case, tasks={}, users={})
    with translation.override("zh-hans"):
        [entry] = [
            e
            for e in case_timeline(audit_events_visible_to(user=tenant.admin, case=case), names)
            if e.action == "documents.data_saved"
        ]
    assert entry.detail == "案件编号、代办机构统一社会信用代码、网站（业务）名称"

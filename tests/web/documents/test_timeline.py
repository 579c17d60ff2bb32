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
    case = make_ready(tenant.case, tenant.consultant, leave_out=("agency.name",))
    generate_now(case, tenant.consultant, only=["commission_contract"])
    generate_now(case, tenant.consultant, only=["application_letter", "lawful_operation_commitment"])
    names = Names(case=case, tasks={}, users={})
    with translation.override("zh-hans"):
        entries = [
            (e.text, e.detail)
            for e in reversed(case_timeline(audit_events_visible_to(user=tenant.admin, case=case), names))
            if e.action.startswith("documents.")
        ]
    assert entries[0][0] == "保存文件数据" and "代办机构统一社会信用代码" in entries[0][1]
    assert entries[1:] == [
        ("请求生成申请文件", "委托办理合同"),
        ("文件生成失败", "case.agency.name"),
        ("请求生成申请文件", "书面申请（法定代表人签署）、依法经营电信业务承诺书（法定代表人签署）"),
        ("已生成 2 份文件", "书面申请（法定代表人签署）、依法经营电信业务承诺书（法定代表人签署）"),
    ]

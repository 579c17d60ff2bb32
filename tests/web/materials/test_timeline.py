"""The materials events on the case timeline (registered by the materials app), in Chinese and English."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from licensedesk.web.audit.selectors import audit_events_visible_to
from licensedesk.web.cases.timeline import Names, case_timeline
from licensedesk.web.materials.services import material_upload, review_round_finish, version_reject

from .conftest import incoming, material, samplefiles

pytestmark = pytest.mark.django_db


def _entries(tenant: Any, lang: str) -> list[tuple[str, str]]:
    case = tenant.case
    names = Names(case=case, tasks={}, users={})
    with translation.override(lang):
        return [
            (e.text, e.detail)
            for e in reversed(case_timeline(audit_events_visible_to(user=tenant.admin, case=case), names))
            if e.action.startswith("material.")
        ]


def test_uploads_rejections_and_rounds_are_told(checked: Any) -> None:
    tenant = checked
    item = material(tenant.case, "business_license")
    version = material_upload(
        material=item,
        actor=tenant.client,
        files=[incoming("执照.pdf", samplefiles.pdf_bytes())],
    )
    version_reject(version=version, actor=tenant.consultant, reason="seal_missing", text="请加盖公章")
    review_round_finish(case=tenant.case, actor=tenant.consultant)
    zh = _entries(tenant, "zh-hans")
    assert zh[0][0] == "根据资格检查更新材料清单"
    assert zh[1:] == [
        (f"上传“{item.title_zh}”第 1 版", "执照.pdf"),
        (f"退回“{item.title_zh}”第 1 版", "缺少公司公章: 请加盖公章"),
        ("完成第 1 轮审核", "通过 0 项，需重新提交 1 项"),
    ]
    en = _entries(tenant, "en")
    assert en[1:3] == [
        (f"Uploaded version 1 of “{item.title_en}”", "执照.pdf"),
        (f"Rejected version 1 of “{item.title_en}”", "Company seal missing: 请加盖公章"),
    ]

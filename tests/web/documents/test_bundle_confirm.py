"""A bundle asked for while required materials have no file needs a second step (issue 10 item 11): the
panel asks, in Chinese, naming the materials; only the confirmation queues the job."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.services import case_run_check
from licensedesk.web.documents.models import GenerationJob

from .conftest import make_ready

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"
QUESTION = (
    "以下必需材料尚无文件：营业执照副本复印件（或名称预先核准通知书）；最近经会计师事务所审计的财务报告或验资报告；"
    "公司章程、股权结构及股东信息；公司信誉情况证明材料；员工社会保险缴纳证明（至少 3 人）。"
    "仍要生成提交材料包吗？目录中将把这些材料标注为“缺”。"
)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _confirm_text(html: str) -> str:
    match = re.search(r'data-testid="bundle-confirm">\s*<p>([^<]*)</p>', html)
    return unescape(match.group(1)) if match else ""


def test_bundle_with_missing_materials_asks_first_then_builds_on_confirmation(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    client = _client(tenant.consultant)
    url = reverse("documents:generate", kwargs={"case_id": case.pk})
    asked = client.post(url, {"bundle": "1"}, HTTP_HX_REQUEST="true")
    assert asked.status_code == 200  # htmx swaps it in: a question, not an error
    html = asked.content.decode()
    assert _confirm_text(html) == QUESTION
    assert 'name="confirmed" value="1"' in html and "仍然生成提交材料包" in html
    assert not GenerationJob.objects.filter(case=case).exists()
    confirmed = client.post(url, {"bundle": "1", "confirmed": "1"}, HTTP_HX_REQUEST="true")
    assert confirmed.status_code == 200 and _confirm_text(confirmed.content.decode()) == ""
    job = GenerationJob.objects.get(case=case)
    assert job.bundle
    event = AuditEvent.objects.get(action="documents.generation_requested")
    assert event.data["confirmed_missing"] is True


def test_generating_the_documents_alone_asks_nothing(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    url = reverse("documents:generate", kwargs={"case_id": case.pk})
    response = _client(tenant.consultant).post(url, {}, HTTP_HX_REQUEST="true")
    assert _confirm_text(response.content.decode()) == ""
    assert GenerationJob.objects.filter(case=case, bundle=False).exists()


def test_a_client_cannot_build_a_bundle(tenant: Any) -> None:
    url = reverse("documents:generate", kwargs={"case_id": tenant.case.pk})
    response = _client(tenant.client).post(url, {"bundle": "1", "confirmed": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code in (403, 404)
    assert not GenerationJob.objects.exists()

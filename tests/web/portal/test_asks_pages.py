"""The sentences a client reads about what is asked of them — portal home, portal case page, the
materials requests page — on the demo's case in material review (found there: 「您的顾问正在处理这一步，
目前无需您操作」 while materials were missing, documents waited for signature and a message asked for a
re-upload) and on a case where nothing is asked."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from licensedesk.web.accounts.models import User
from licensedesk.web.cases.models import Case
from licensedesk.web.cases.services import case_run_check, note_create
from licensedesk.web.demo.services import demo_load
from licensedesk.web.materials.models import CaseMaterial, MaterialVersion
from licensedesk.web.materials.services import material_upload, version_reject

from ..materials.conftest import material, pdf
from .test_asks import required_ids, signed_draft

pytestmark = pytest.mark.django_db

NOTHING = "您的顾问正在处理这一步，目前无需您操作。"


def visible(client: Client, url: str) -> str:
    """The page's text inside <main> as a reader sees it: tags dropped, white space collapsed."""
    html = client.get(url).content.decode()
    main = html[html.index("<main") :]
    main = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", main))).strip()


def private_storage(settings: Any, folder: Any) -> None:
    files = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}}
    settings.STORAGES = {**settings.STORAGES, "default": files}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_demo_client_is_told_everything_asked_of_them(settings: Any, tmp_path: Any) -> None:
    private_storage(settings, tmp_path)
    demo_load()
    client_user = User.objects.get(username="demo-yunfan")
    consultant = User.objects.get(username="demo-wang")
    case = Case.objects.get(company_id=client_user.company_id)
    assert case.stage == "reviewing_materials"
    # What the demo's users saw next: the documents drafted, an upload sent back, a message asking for it.
    signed_draft(case, consultant, "application_letter", "法定代表人签署的书面申请")
    signed_draft(case, consultant, "guarantee_letter", "保证书")
    waiting = MaterialVersion.objects.get(material__case=case, material__material_id="social_insurance_proof")
    version_reject(version=waiting, actor=consultant, reason="blurred", text="请上传清晰的社保证明")
    note_create(case=case, author=consultant, body="社保证明看不清，请重新上传。", visibility="client")

    browser = signed_in(client_user)
    home = visible(browser, reverse("portal:home"))
    assert NOTHING not in home
    assert "现在需要您做的事 需提供 2 份材料 需签字盖章并上传 2 份文件 待回复 回复王磊的消息" in home
    page = visible(browser, reverse("portal:case", args=[case.pk]))
    assert NOTHING not in page
    assert (
        "已退回 员工社会保险缴纳证明（至少 3 人）：扫描件模糊或不完整（请上传清晰的社保证明） · 上传" in page
    )
    assert "需提供 公司信誉情况证明材料 · 上传 如国家企业信用信息公示系统截图、信用中国查询结果。" in page
    assert "待签署 保证书 — 签字盖章后上传 · 下载待签文件 · 上传签字盖章件" in page
    assert "待回复 回复王磊的消息 — 社保证明看不清，请重新上传。" in page
    assert "公司概况" not in page  # the agency drafts it: not the client's to provide
    requests = visible(browser, reverse("materials:requests", args=[case.pk]))
    assert "以下 4 项需要您提交、重新提交或签字盖章后上传：" in requests
    assert (
        "员工社会保险缴纳证明（至少 3 人） — 已退回：扫描件模糊或不完整（请上传清晰的社保证明）" in requests
    )
    assert "法定代表人签署的书面申请 — 未提交 · 签字盖章后上传 · 下载待签文件" in requests
    assert "申请页面上还有 1 项需要您处理。" in requests  # the message
    assert "业务发展计划及相关技术方案" not in requests


def test_nothing_is_said_to_be_asked_only_when_nothing_is(tenant: Any, settings: Any, tmp_path: Any) -> None:
    private_storage(settings, tmp_path)
    case_run_check(case=tenant.case, actor=tenant.consultant)
    Case.objects.filter(pk=tenant.case.pk).update(stage="reviewing_materials")
    browser = signed_in(tenant.client)
    assert NOTHING not in visible(browser, reverse("portal:home"))  # the client's materials are missing
    for material_id in required_ids(tenant.case, "client"):
        material_upload(material=material(tenant.case, material_id), actor=tenant.client, files=[pdf()])
    assert CaseMaterial.objects.filter(case=tenant.case, status="missing", required=True).exists()  # agency's

    home = visible(browser, reverse("portal:home"))
    assert f"现在需要您做的事 {NOTHING}" in home
    page = visible(browser, reverse("portal:case", args=[tenant.case.pk]))
    assert f"现在需要您做的事 {NOTHING}" in page
    assert "目前没有需要您提交或签署的材料。" in visible(
        browser, reverse("materials:requests", args=[tenant.case.pk])
    )

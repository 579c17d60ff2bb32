"""A PDF with active content is accepted but flagged: stored on its material version, and a warning on
the reviewer's screen (what not to do) and on the client's pages (what to do instead)."""

from __future__ import annotations

from html import unescape
from typing import Any

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bench import active_pdfs
from licensedesk.web.materials.models import MaterialVersion

from .conftest import material, samplefiles

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
REVIEWER_ZH = (
    "此 PDF 含有主动内容（JavaScript、启动操作或嵌入文件），请勿在阅读器中启用脚本；"
    "如非必要，请客户重新导出为普通 PDF。"
)
CLIENT_ZH = (
    "此 PDF 含有主动内容（脚本、启动操作或嵌入文件）。"
    "请将其重新导出为普通 PDF（或“打印”为 PDF），再作为新版本上传。"
)
REVIEWER_EN = "do not enable scripts in your PDF reader"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _upload(user: Any, item: Any, name: str, data: bytes) -> MaterialVersion:
    response = _client(user).post(
        reverse("materials:upload", kwargs={"pk": item.pk}),
        {"files": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return MaterialVersion.objects.filter(material=item).latest("number")


def _text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def _review_panel(html: str) -> str:
    [panel] = lxml.html.fromstring(html).xpath('//*[@data-testid="review"]')
    return panel.text_content()


def test_a_pdf_with_a_script_is_flagged_to_the_reviewer_and_the_client(checked: Any) -> None:
    item = material(checked.case, "business_license")
    version = _upload(checked.client, item, "营业执照副本.pdf", active_pdfs.open_action_javascript())
    assert version.active_content == [{"file": "营业执照副本.pdf", "kinds": ["javascript", "open_action"]}]
    reviewer = _text(_client(checked.consultant), reverse("materials:item", kwargs={"pk": item.pk}))
    assert REVIEWER_ZH in _review_panel(reviewer)  # where the decision is taken
    assert CLIENT_ZH not in reviewer
    client = _client(checked.client)
    checklist = _text(client, reverse("materials:checklist", kwargs={"case_id": checked.case.pk}))
    detail = _text(client, reverse("materials:item", kwargs={"pk": item.pk}))
    for page in (checklist, detail):
        assert CLIENT_ZH in page and "营业执照副本.pdf" in page
        assert REVIEWER_ZH not in page


def test_the_reviewer_warning_in_english(checked: Any) -> None:
    item = material(checked.case, "business_license")
    _upload(checked.client, item, "licence.pdf", active_pdfs.launch_action())
    client = _client(checked.consultant)
    client.post(reverse("set_language"), {"language": "en"})
    assert REVIEWER_EN in _text(client, reverse("materials:item", kwargs={"pk": item.pk}))


def test_a_script_in_a_compressed_object_stream_is_flagged_too(checked: Any) -> None:
    item = material(checked.case, "business_license")
    version = _upload(checked.client, item, "营业执照副本.pdf", active_pdfs.javascript_in_object_stream())
    assert version.active_content[0]["kinds"] == ["javascript", "open_action"]


def test_a_plain_pdf_shows_no_warning(checked: Any) -> None:
    item = material(checked.case, "business_license")
    version = _upload(checked.client, item, "营业执照副本.pdf", samplefiles.pdf_bytes())
    assert version.active_content == []
    reviewer = _text(_client(checked.consultant), reverse("materials:item", kwargs={"pk": item.pk}))
    client = _client(checked.client)
    checklist = _text(client, reverse("materials:checklist", kwargs={"case_id": checked.case.pk}))
    for page in (reviewer, checklist):
        assert 'data-testid="active-content-warning"' not in page
        assert "主动内容" not in page

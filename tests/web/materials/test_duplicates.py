"""Duplicate files (issue 10 item 12): the same bytes (same SHA-256) offered for a second material of a
case warn the uploader at the row they used and the reviewer on the review panel, naming the other
material by its title. The same file again for the same material is a re-upload, not a duplicate."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import material, samplefiles
from .test_views import _post_files, _upload_url

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"
WARNING = (
    "文件“信誉.pdf”与“营业执照副本复印件（或名称预先核准通知书）”中已上传的文件完全相同，请确认没有传错材料。"
)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _warnings(html: str) -> list[str]:
    return [unescape(w) for w in re.findall(r'data-testid="duplicate-warning">([^<]*)<', html)]


def _row(html: str, material_pk: int) -> str:
    """The checklist row of one material."""
    start = html.index(f'id="material-{material_pk}"')
    return html[start : html.index("</tr>", start)]


def test_uploader_is_warned_at_the_row(checked: Any, media: Path) -> None:
    data = samplefiles.pdf_bytes()
    license_ = material(checked.case, "business_license")
    credit = material(checked.case, "credit_proof")
    client = _client(checked.client)
    first = _post_files(client, _upload_url(license_), [("营业执照.pdf", data)], HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and _warnings(first.content.decode()) == []
    second = _post_files(client, _upload_url(credit), [("信誉.pdf", data)], HTTP_HX_REQUEST="true")
    assert second.status_code == 200
    html = second.content.decode()
    assert _warnings(html) == [WARNING]
    assert 'data-testid="duplicate-warning"' in _row(html, credit.pk)  # at the row the client used


def test_reviewer_is_warned_on_the_review_panel(checked: Any, media: Path) -> None:
    data = samplefiles.pdf_bytes()
    client = _client(checked.client)
    license_ = material(checked.case, "business_license")
    credit = material(checked.case, "credit_proof")
    _post_files(client, _upload_url(license_), [("营业执照.pdf", data)])
    _post_files(client, _upload_url(credit), [("信誉.pdf", data)])
    page = _client(checked.consultant).get(reverse("materials:item", kwargs={"pk": credit.pk}))
    html = page.content.decode()
    review = html[html.index('data-testid="review"') :]
    assert _warnings(review) == [WARNING]
    # the client's own page of the material shows no reviewer panel
    assert _warnings(client.get(reverse("materials:item", kwargs={"pk": credit.pk})).content.decode()) == []


def test_the_same_file_again_for_the_same_material_is_no_duplicate(checked: Any, media: Path) -> None:
    data = samplefiles.pdf_bytes()
    client = _client(checked.client)
    license_ = material(checked.case, "business_license")
    _post_files(client, _upload_url(license_), [("营业执照.pdf", data)])
    again = _post_files(client, _upload_url(license_), [("营业执照.pdf", data)], HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and _warnings(again.content.decode()) == []
    page = _client(checked.consultant).get(reverse("materials:item", kwargs={"pk": license_.pk}))
    assert _warnings(page.content.decode()) == []


def test_different_files_are_no_duplicates(checked: Any, media: Path) -> None:
    client = _client(checked.client)
    _post_files(
        client, _upload_url(material(checked.case, "business_license")), [("a.pdf", samplefiles.pdf_bytes())]
    )
    other = _post_files(
        client,
        _upload_url(material(checked.case, "credit_proof")),
        [("b.pdf", samplefiles.pdf_bytes(pages=2))],
        HTTP_HX_REQUEST="true",
    )
    assert other.status_code == 200 and _warnings(other.content.decode()) == []

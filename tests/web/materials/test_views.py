"""The materials views: the hostile upload corpus through the real upload view (exact message, nothing
left on disk or in the database), downloads across roles and agencies, the review pages, htmx partials,
CSRF, query counts, and a large upload streaming through in bounded memory."""

from __future__ import annotations

import io
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse

from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.models import Case
from licensedesk.web.materials import services, uploads
from licensedesk.web.materials.models import MaterialFile, MaterialVersion

from .conftest import material, pdf, samplefiles, stored_files

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _client(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user, backend=BACKEND)
    return client


def multipart(files: list[tuple[str, bytes]], fields: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body carrying file names exactly as given (the test client's own encoder
    would send only the base name)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in (fields or {}).items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, data in files:
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{escaped}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        parts.append(head + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _post_files(client: Client, url: str, files: list[tuple[str, bytes]], **headers: Any) -> Any:
    body, content_type = multipart(files)
    return client.post(url, data=body, content_type=content_type, **headers)


def _upload_url(item: Any) -> str:
    return reverse("materials:upload", kwargs={"pk": item.pk})


def _nothing_stored(media: Path) -> None:
    assert stored_files(media) == []
    assert stored_files(Path(django_settings.FILE_UPLOAD_TEMP_DIR)) == []
    assert not MaterialVersion.objects.exists() and not MaterialFile.objects.exists()
    assert not AuditEvent.objects.filter(action="material.uploaded").exists()


HOSTILE = [
    ("empty", "空.pdf", lambda: b"", "文件“空.pdf”为空文件。"),
    (
        "type mismatch",
        "营业执照.pdf",
        samplefiles.png_bytes,
        "文件“营业执照.pdf”的扩展名表示 PDF 格式，但其内容为 PNG 格式，请更正文件名或上传正确的文件。",
    ),
    (
        "not a document",
        "run.pdf",
        lambda: b"MZ\x90\x00 an executable",
        "文件“run.pdf”不是 PDF、JPEG、PNG、DOCX、XLSX 或 OFD 文件（按文件内容判断）。",
    ),
    (
        "encrypted pdf",
        "加密.pdf",
        samplefiles.encrypted_pdf_bytes,
        "PDF 文件“加密.pdf”已加密或设有密码，请上传未加密的文件。",
    ),
    ("broken pdf", "坏.pdf", lambda: b"%PDF-1.7\n%garbage", "PDF 文件“坏.pdf”已损坏，无法读取。"),
    (
        "polyglot pdf+zip",
        "poly.pdf",
        lambda: samplefiles.pdf_bytes() + samplefiles.docx_bytes(),
        "文件“poly.pdf”同时可被识别为另一种文件（ZIP），此类文件不予接收。",
    ),
    (
        "pdf header after junk",
        "junk.pdf",
        lambda: b"<html>" + samplefiles.pdf_bytes(),
        "文件“junk.pdf”同时可被识别为另一种文件（PDF），此类文件不予接收。",
    ),
    (
        "decompression bomb",
        "bomb.png",
        lambda: samplefiles.png_declaring(40000, 40000),
        "图片“bomb.png”为 40000×40000 像素，最多接受 50 百万像素。",
    ),
    (
        "path traversal",
        "../../etc/营业执照.pdf",
        samplefiles.pdf_bytes,
        "文件名“../../etc/营业执照.pdf”含有路径（“/”“\\”或“..”），请直接上传文件本身。",
    ),
    (
        "absolute path",
        "/tmp/营业执照.pdf",
        samplefiles.pdf_bytes,
        "文件名“/tmp/营业执照.pdf”含有路径（“/”“\\”或“..”），请直接上传文件本身。",
    ),
    (
        "backslashes",
        "..\\..\\营业执照.pdf",
        samplefiles.pdf_bytes,
        "文件名“..\\..\\营业执照.pdf”含有路径（“/”“\\”或“..”），请直接上传文件本身。",
    ),
    (
        "control characters",
        "营业\x1b执照.pdf",
        samplefiles.pdf_bytes,
        "文件名“营业\\x1b执照.pdf”含有控制字符或不可见字符，请重命名后再上传。",
    ),
]


@pytest.mark.parametrize(("case", "name", "build", "message_zh"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_uploads_are_refused_and_nothing_stays(
    checked: Any, media: Path, case: str, name: str, build: Any, message_zh: str
) -> None:
    item = material(checked.case, "business_license")
    response = _post_files(_client(checked.client), _upload_url(item), [(name, build())])
    assert response.status_code == 400
    page = response.content.decode()
    assert message_zh.replace("&", "&amp;") in page, page[page.find('role="alert"') - 20 :][:400]
    _nothing_stored(media)


def test_zip_bomb_office_file_through_the_view(checked: Any, media: Path) -> None:
    item = material(checked.case, "company_profile")
    response = _post_files(
        _client(checked.consultant), _upload_url(item), [("概况.docx", samplefiles.zip_bomb_docx())]
    )
    assert response.status_code == 400
    assert (
        "文件“概况.docx”解压后体积异常（解压后 600.0 MB），疑似“压缩炸弹”，不予接收。"
        in response.content.decode()
    )
    _nothing_stored(media)


def test_a_file_over_the_limit_of_its_kind_is_refused_as_it_arrives(
    checked: Any, media: Path, settings: Any
) -> None:
    settings.MATERIAL_UPLOAD_MAX_BYTES = dict.fromkeys(
        ("pdf", "jpeg", "png", "docx", "xlsx", "ofd"), 64 * 1024
    )
    item = material(checked.case, "business_license")
    data = samplefiles.pdf_bytes(filler=3 * 1024 * 1024)
    response = _post_files(
        _client(checked.client),
        _upload_url(item),
        [("好.pdf", samplefiles.pdf_bytes()), ("大文件.pdf", data)],
    )
    assert response.status_code == 400
    assert "文件“大文件.pdf”超过 PDF 文件的大小上限 0.1 MB。" in response.content.decode()
    _nothing_stored(media)  # the good file of the same request is not kept either


def test_upload_without_a_file(checked: Any, media: Path) -> None:
    item = material(checked.case, "business_license")
    response = _post_files(_client(checked.client), _upload_url(item), [])
    assert response.status_code == 400
    assert "请为“营业执照副本复印件（或名称预先核准通知书）”选择至少一个文件。" in response.content.decode()
    _nothing_stored(media)


class _RecordingInput(io.RawIOBase):
    """A request body that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        out = self._data.read(-1 if size is None else size)
        self.read_bytes += len(out)
        return out

    def readline(self, size: int | None = -1) -> bytes:  # WSGI input API; the parser does not use it
        return self.read(size)


def _raw_post(
    client: Client, url: str, body: bytes, content_type: str, *, csrf: bool = False, **extra: str
) -> tuple[Any, _RecordingInput]:
    """POST through the whole stack (middleware included) with a body that records what was read;
    ``csrf``: enforce CSRF as a browser request (the test client skips it by default)."""
    source = _RecordingInput(body)
    environ = {
        **client._base_environ(),
        "REQUEST_METHOD": "POST",
        "PATH_INFO": url,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": source,
        **extra,
    }
    return ClientHandler(enforce_csrf_checks=csrf)(environ), source


def _csrf_token(client: Client, case: Any) -> str:
    """The token of a page the client loaded (which also sets the CSRF cookie)."""
    page = client.get(reverse("materials:requests", kwargs={"case_id": case.pk}))
    return str(page.context["csrf_token"])


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("", "CSRF token missing."),
        ("a" * 64, "CSRF token from the 'X-Csrftoken' HTTP header incorrect."),
    ],
    ids=["no header", "wrong header"],
)
def test_csrf_is_checked_before_the_body_is_read(
    checked: Any, media: Path, header: str, reason: str, caplog: Any
) -> None:
    item = material(checked.case, "business_license")
    client = _client(checked.client)
    _csrf_token(client, checked.case)
    body, content_type = multipart([("营业执照.pdf", samplefiles.pdf_bytes())])
    extra = {"HTTP_X_CSRFTOKEN": header} if header else {}
    with caplog.at_level("WARNING", logger="django.security.csrf"):
        response, source = _raw_post(client, _upload_url(item), body, content_type, csrf=True, **extra)
    assert response.status_code == 403
    assert "CSRF验证失败" in response.content.decode()  # Django's CSRF failure page, in the page language
    assert [r.getMessage().split(" (", 1)[1].split("):")[0] for r in caplog.records] == [reason]
    # with the header nothing of the body is read; without it (a form without JavaScript) only the
    # first field's prefix, where the token should have been, and no file part is begun
    assert source.read_bytes == (0 if header else min(len(body), uploads.CSRF_PREFIX_BYTES))
    _nothing_stored(media)


def test_the_right_csrf_header_uploads(checked: Any, media: Path) -> None:
    item = material(checked.case, "business_license")
    client = _client(checked.client)
    token = _csrf_token(client, checked.case)
    body, content_type = multipart([("营业执照.pdf", samplefiles.pdf_bytes())])
    response, source = _raw_post(
        client, _upload_url(item), body, content_type, csrf=True, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 302 and source.read_bytes == len(body)
    assert MaterialFile.objects.get().original_name == "营业执照.pdf"


def test_csrf_from_the_first_field_without_javascript(checked: Any, media: Path) -> None:
    """The form's own token (``{% csrf_token %}`` first), no header: checked before any file part."""
    item = material(checked.case, "business_license")
    client = _client(checked.client, enforce_csrf_checks=True)
    response = _post_files(client, _upload_url(item), [("营业执照.pdf", samplefiles.pdf_bytes())])
    assert response.status_code == 403
    _nothing_stored(media)
    token = _csrf_token(client, checked.case)
    body, content_type = multipart(
        [("营业执照.pdf", samplefiles.pdf_bytes())], {"csrfmiddlewaretoken": token}
    )
    response = client.post(_upload_url(item), data=body, content_type=content_type)
    assert response.status_code == 302
    assert MaterialFile.objects.get().original_name == "营业执照.pdf"


def test_the_upload_forms_send_the_token_first_and_htmx_sends_the_header(checked: Any) -> None:
    client = _client(checked.client)
    page = client.get(reverse("materials:requests", kwargs={"case_id": checked.case.pk})).content.decode()
    assert '"X-CSRFToken":' in page  # base.html: every htmx request carries the header
    form = page[page.index('hx-post="' + _upload_url(material(checked.case, "business_license"))) :]
    assert form.index('name="csrfmiddlewaretoken"') < form.index('name="next"') < form.index('name="files"')


def test_refusals_before_the_body_is_read(checked: Any, other_tenant: Any, media: Path) -> None:
    """Signed out, another agency's material, another client company's material, a client replacing
    an accepted material: each is refused without reading a byte of the body."""
    item = material(checked.case, "business_license")
    accepted = material(checked.case, "credit_proof")
    services.version_accept(
        version=services.material_upload(material=accepted, actor=checked.consultant, files=[pdf()]),
        actor=checked.consultant,
    )
    MaterialFile.objects.all().delete()  # so that "nothing stored" below is about these requests only
    body, content_type = multipart([("营业执照.pdf", samplefiles.pdf_bytes())])
    cases = [
        (Client(), item, 302, ""),
        (_client(other_tenant.consultant), item, 404, ""),
        (_client(checked.client2), item, 404, ""),
        (_client(checked.client), accepted, 400, "已审核通过；如需更换，请联系您的顾问。"),
    ]
    for client, target, status, message in cases:
        response, source = _raw_post(client, _upload_url(target), body, content_type)
        assert (response.status_code, source.read_bytes) == (status, 0)
        assert message in response.content.decode()
    assert stored_files(Path(django_settings.FILE_UPLOAD_TEMP_DIR)) == []


def test_25000_one_byte_files_are_refused_at_the_21st(checked: Any, media: Path) -> None:
    item = material(checked.case, "business_license")
    body, content_type = multipart([(f"{i}.pdf", b"x") for i in range(25_000)])
    response, source = _raw_post(_client(checked.client), _upload_url(item), body, content_type)
    assert response.status_code == 400
    assert "一次最多上传 20 个文件。" in response.content.decode()
    assert source.read_bytes <= uploads.CHUNK_SIZE < len(body)
    _nothing_stored(media)


def test_a_content_length_over_the_request_cap_is_refused_unread(
    checked: Any, media: Path, settings: Any
) -> None:
    settings.MATERIAL_UPLOAD_MAX_REQUEST_BYTES = 1024 * 1024
    item = material(checked.case, "business_license")
    body, content_type = multipart([("大.pdf", samplefiles.pdf_bytes(filler=2 * 1024 * 1024))])
    response, source = _raw_post(_client(checked.client), _upload_url(item), body, content_type)
    assert (response.status_code, source.read_bytes) == (413, 0)
    assert "本次上传超过单次上传上限 1.0 MB，请分几次上传。" in response.content.decode()
    _nothing_stored(media)


def test_client_upload_redirects_back_and_chinese_names_are_kept(checked: Any, media: Path) -> None:
    item = material(checked.case, "business_license")
    client = _client(checked.client)
    back = reverse("materials:requests", kwargs={"case_id": checked.case.pk})
    body, content_type = multipart(
        [
            ("营业执照（副本）2026.pdf", samplefiles.pdf_bytes(pages=2)),
            ("第2页.jpg", samplefiles.jpeg_bytes()),
        ],
        {"next": back},
    )
    response = client.post(_upload_url(item), data=body, content_type=content_type)
    assert response.status_code == 302 and response["Location"] == back
    version = MaterialVersion.objects.get()
    assert [f.original_name for f in version.files.all()] == ["营业执照（副本）2026.pdf", "第2页.jpg"]
    assert len(stored_files(media)) == 2
    assert stored_files(Path(django_settings.FILE_UPLOAD_TEMP_DIR)) == []  # temp files moved or removed
    page = client.get(back).content.decode()
    assert "营业执照（副本）2026.pdf" in page and "2 页" in page
    assert "未扫描" not in page and "scan-note" not in page  # no scanner configured: nothing said per file
    offsite = multipart([("x.pdf", samplefiles.pdf_bytes(pages=3))], {"next": "https://evil.example/"})
    response = client.post(_upload_url(item), data=offsite[0], content_type=offsite[1])
    assert response["Location"] == reverse("materials:checklist", kwargs={"case_id": checked.case.pk})


def test_htmx_upload_answers_the_checklist_partial(checked: Any) -> None:
    item = material(checked.case, "credit_proof")
    client = _client(checked.consultant)
    response = _post_files(
        client, _upload_url(item), [("信用.pdf", samplefiles.pdf_bytes())], HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="materials-checklist"') or 'id="materials-checklist"' in page
    assert "<html" not in page and "“公司信誉情况证明材料”第 1 版已上传。" in page
    response = _post_files(client, _upload_url(item), [("空.pdf", b"")], HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps only 2xx: the refusal is shown in place
    assert "文件“空.pdf”为空文件。" in response.content.decode()


def test_htmx_upload_on_the_requests_page_updates_its_list_too(checked: Any) -> None:
    """The list of what to send sits above the checklist on the client's requests page: an upload swaps
    the checklist and, out of band, the list (it used to keep asking for what was just sent)."""
    Case.objects.filter(pk=checked.case.pk).update(stage="collecting_materials")  # the client prepares
    item = material(checked.case, "credit_proof")
    requests_url = reverse("materials:requests", kwargs={"case_id": checked.case.pk})
    client = _client(checked.client)
    before = client.get(requests_url).content.decode()
    assert "公司信誉情况证明材料</a> — <strong>未提交</strong>" in before
    on_requests_page = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{requests_url}"}
    response = _post_files(
        client, _upload_url(item), [("信用.pdf", samplefiles.pdf_bytes())], **on_requests_page
    )
    page = response.content.decode()
    assert '<section id="material-requests" data-testid="material-requests" hx-swap-oob="true">' in page
    requests = page[page.index('<section id="material-requests"') :]
    assert "公司信誉情况证明材料" not in requests  # sent: no longer asked for
    assert "营业执照副本复印件（或名称预先核准通知书）</a> — <strong>未提交</strong>" in requests
    # Elsewhere (the checklist page, staff) there is no such list to update.
    checklist_url = reverse("materials:checklist", kwargs={"case_id": checked.case.pk})
    elsewhere = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{checklist_url}"}
    response = _post_files(client, _upload_url(item), [("信用2.pdf", samplefiles.pdf_bytes())], **elsewhere)
    assert response.status_code == 200 and "material-requests" not in response.content.decode()
    staff = _client(checked.consultant)
    response = _post_files(
        staff, _upload_url(item), [("信用3.pdf", samplefiles.pdf_bytes())], **on_requests_page
    )
    assert response.status_code == 200 and "material-requests" not in response.content.decode()


# -- downloads ----------------------------------------------------------------------------------------


def _two_versions(tenant: Any) -> tuple[MaterialFile, MaterialFile]:
    item = material(tenant.case, "business_license")
    old = services.material_upload(material=item, actor=tenant.client, files=[pdf("营业执照 旧.pdf")])
    services.version_reject(version=old, actor=tenant.consultant, reason="blurred")
    new = services.material_upload(
        material=item, actor=tenant.client, files=[pdf("营业执照 新.pdf", pages=2)]
    )
    return old.files.get(), new.files.get()


def test_download_permissions_across_roles_and_agencies(checked: Any, other_tenant: Any) -> None:
    old, new = _two_versions(checked)
    expected = {
        "admin": (200, 200),
        "consultant": (200, 200),
        "other_consultant": (200, 200),  # staff of the agency, not assigned: may read
        "client": (404, 200),  # the client sees the latest version only
        "client2": (404, 404),  # another client of the same agency
        "other_admin": (404, 404),
        "other_client": (404, 404),
    }
    users = {
        "admin": checked.admin,
        "consultant": checked.consultant,
        "other_consultant": checked.other_consultant,
        "client": checked.client,
        "client2": checked.client2,
        "other_admin": other_tenant.admin,
        "other_client": other_tenant.client,
    }
    seen = {}
    for role, user in users.items():
        client = _client(user)
        seen[role] = tuple(
            client.get(reverse("materials:download", kwargs={"pk": f.pk})).status_code for f in (old, new)
        )
    assert seen == expected
    anonymous = Client().get(reverse("materials:download", kwargs={"pk": new.pk}))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(action="material.file_downloaded").count() == 7


def test_download_streams_the_bytes_with_a_utf8_file_name(checked: Any) -> None:
    _, new = _two_versions(checked)
    response = _client(checked.client).get(reverse("materials:download", kwargs={"pk": new.pk}))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('营业执照 新.pdf')}"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == samplefiles.pdf_bytes(pages=2)
    event = AuditEvent.objects.get(action="material.file_downloaded")
    assert event.actor == checked.client and event.object_id == str(new.pk)


def test_no_url_serves_the_media_directory(checked: Any) -> None:
    _, new = _two_versions(checked)
    response = _client(checked.admin).get("/media/" + new.storage_name)
    assert response.status_code == 404


# -- pages --------------------------------------------------------------------------------------------


def test_checklist_query_count_does_not_grow_with_uploads(
    checked: Any, django_assert_num_queries: Any
) -> None:
    client = _client(checked.consultant)
    url = reverse("materials:checklist", kwargs={"case_id": checked.case.pk})
    client.get(url)  # warm caches (catalog, session)
    with django_assert_num_queries(5):  # session, user, case, materials, open round (no files yet)
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    uploaded = ("application_letter", "business_license", "credit_proof", "company_profile")
    for count, material_id in enumerate(uploaded, start=1):
        version = services.material_upload(
            material=material(checked.case, material_id),
            actor=checked.client,
            files=[pdf(f"{material_id}.pdf")],
        )
        services.version_reject(version=version, actor=checked.consultant, reason="blurred")
        with django_assert_num_queries(6):  # … and one for the files of every latest version
            response = client.get(url, HTTP_HX_REQUEST="true")
        assert response.content.decode().count('class="material-row status-rejected') == count


def test_checklist_page_shows_progress_and_statuses(checked: Any) -> None:
    item = material(checked.case, "credit_proof")
    services.version_accept(
        version=services.material_upload(material=item, actor=checked.client, files=[pdf()]),
        actor=checked.consultant,
    )
    page = _client(checked.consultant).get(
        reverse("materials:checklist", kwargs={"case_id": checked.case.pk})
    )
    text = page.content.decode()
    assert page.context["checklist"].required_count == 14  # the factories' profile: see test_services
    assert "已通过 1/14" in text
    assert "公司信誉情况证明材料" in text and "已通过" in text and "未提交" in text
    english_client = _client(checked.consultant)
    english_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    english = english_client.get(reverse("materials:checklist", kwargs={"case_id": checked.case.pk}))
    assert "1/14 accepted" in english.content.decode()


def test_review_through_the_pages_with_side_by_side_versions(checked: Any) -> None:
    checked.client.email = "chen@yunfan.example"
    checked.client.save()
    item = material(checked.case, "business_license")
    staff, client = _client(checked.consultant), _client(checked.client)
    _post_files(client, _upload_url(item), [("执照.pdf", samplefiles.pdf_bytes())])
    first = MaterialVersion.objects.get()
    item_url = reverse("materials:item", kwargs={"pk": item.pk})
    review_url = reverse("materials:review", kwargs={"pk": first.pk})
    refused = client.post(review_url, {"decision": "reject", "reason": "blurred"})
    assert refused.status_code == 403  # a client may not review: the error as JSON from the middleware
    response = staff.post(review_url, {"decision": "reject", "reason": "other", "reason_text": ""})
    assert response.status_code == 400
    assert "请说明问题：选择“其他”时须填写具体原因。" in response.content.decode()
    response = staff.post(
        review_url, {"decision": "reject", "reason": "seal_missing", "reason_text": "未盖公章"}
    )
    assert response.status_code == 302 and response["Location"] == item_url

    requests_url = reverse("materials:requests", kwargs={"case_id": checked.case.pk})
    before_round_end = client.get(requests_url).content.decode()  # the outcome reaches the client at once
    assert "已退回" in before_round_end and "缺少公司公章（未盖公章）" in before_round_end
    finished = staff.post(reverse("materials:finish_round", kwargs={"case_id": checked.case.pk}))
    assert finished.status_code == 302
    assert len(mail.outbox) == 1 and "缺少公司公章——未盖公章" in mail.outbox[0].body
    request_page = client.get(requests_url).content.decode()
    assert "缺少公司公章" in request_page and "未盖公章" in request_page

    _post_files(client, _upload_url(item), [("执照-盖章.pdf", samplefiles.pdf_bytes(pages=2))])
    second = MaterialVersion.objects.get(number=2)
    page = staff.get(item_url)
    assert page.context["detail"].comparison == (first, second)
    text = page.content.decode()
    assert "被退回的版本与新版本对照" in text and "执照.pdf" in text and "执照-盖章.pdf" in text
    assert "档案为" not in text
    profile = checked.company.profile["company"]
    mismatch = staff.post(
        reverse("materials:review", kwargs={"pk": second.pk}),
        {
            "decision": "accept",
            "valid_until": "2099-12-31",
            "confirm:company.name": "深圳市别的公司",
            "confirm:company.uscc": profile["uscc"],
            "confirm:company.legal_representative.name": profile["legal_representative"]["name"],
        },
    )
    assert mismatch.status_code == 400
    assert f"企业名称：档案为“{profile['name']}”，文件为“深圳市别的公司”" in mismatch.content.decode()
    bad_date = staff.post(
        reverse("materials:review", kwargs={"pk": second.pk}),
        {"decision": "accept", "valid_until": "2099-13-01"},
    )
    assert "有效期截止日“2099-13-01”不是有效日期（YYYY-MM-DD）。" in bad_date.content.decode()
    accepted = staff.post(
        reverse("materials:review", kwargs={"pk": second.pk}),
        {
            "decision": "accept",
            "valid_until": "2099-12-31",
            "confirm:company.name": profile["name"],
            "confirm:company.uscc": profile["uscc"],
            "confirm:company.legal_representative.name": profile["legal_representative"]["name"],
        },
    )
    assert accepted.status_code == 302
    assert material(checked.case, "business_license").status == "accepted"
    client_page = client.get(item_url)
    assert [v.number for v in client_page.context["detail"].versions] == [2]  # earlier versions: staff only


def test_pages_of_other_tenants_are_404(checked: Any, other_tenant: Any) -> None:
    old, _ = _two_versions(checked)
    outsider = _client(other_tenant.consultant)
    urls = [
        reverse("materials:checklist", kwargs={"case_id": checked.case.pk}),
        reverse("materials:requests", kwargs={"case_id": checked.case.pk}),
        reverse("materials:item", kwargs={"pk": old.version.material_id}),
    ]
    assert [outsider.get(u).status_code for u in urls] == [404, 404, 404]
    posts = [
        _upload_url(old.version.material),
        reverse("materials:start_review", kwargs={"pk": old.version.material_id}),
        reverse("materials:review", kwargs={"pk": old.version_id}),
        reverse("materials:finish_round", kwargs={"case_id": checked.case.pk}),
    ]
    assert [outsider.post(u, {"decision": "reject", "reason": "blurred"}).status_code for u in posts] == [
        404
    ] * 4
    assert MaterialVersion.objects.count() == 2


# -- virus scan -----------------------------------------------------------------------------------------


@pytest.fixture
def fake_clamd(settings: Any) -> Iterator[Any]:
    from bench.fakeclamd import FakeClamd

    server = FakeClamd()
    settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", server.port
    yield server
    server.close()


def test_clean_files_are_marked_scanned(checked: Any, fake_clamd: Any) -> None:
    item = material(checked.case, "credit_proof")
    data = samplefiles.pdf_bytes()
    response = _post_files(_client(checked.client), _upload_url(item), [("信用.pdf", data)])
    assert response.status_code == 302
    stored = MaterialFile.objects.get()
    assert stored.scan_status == "clean" and stored.scan_detail.startswith("clamd: OK")
    assert fake_clamd.streams == [len(data)]


def test_scan_status_is_shown_to_staff_only_and_only_with_a_scanner(
    checked: Any, fake_clamd: Any, settings: Any
) -> None:
    item = material(checked.case, "credit_proof")
    _post_files(_client(checked.client), _upload_url(item), [("信用.pdf", samplefiles.pdf_bytes())])
    checklist = reverse("materials:checklist", kwargs={"case_id": checked.case.pk})
    staff_pages = [
        _client(checked.consultant).get(url).content.decode()
        for url in (checklist, reverse("materials:item", kwargs={"pk": item.pk}))
    ]
    assert all("已扫描，未发现病毒" in page for page in staff_pages)
    client_page = _client(checked.client).get(
        reverse("materials:requests", kwargs={"case_id": checked.case.pk})
    )
    assert "已扫描" not in client_page.content.decode() and "scan-note" not in client_page.content.decode()
    settings.CLAMD_HOST = ""  # the scanner switched off: no line per file, even for staff
    assert "scan-note" not in _client(checked.consultant).get(checklist).content.decode()


def test_infected_files_are_refused(checked: Any, media: Path, fake_clamd: Any) -> None:
    from bench.fakeclamd import EICAR

    item = material(checked.case, "credit_proof")
    clean = samplefiles.pdf_bytes(filler=4096)
    start = clean.index(b"stream\n") + len(b"stream\n%")  # inside the content stream: a valid PDF still
    infected = clean[:start] + EICAR + clean[start + len(EICAR) :]
    response = _post_files(_client(checked.client), _upload_url(item), [("信用.pdf", infected)])
    assert response.status_code == 400
    assert "文件“信用.pdf”含有病毒或恶意程序（Eicar-Test-Signature），未予保存。" in response.content.decode()
    _nothing_stored(media)


def test_an_unreachable_scanner_refuses_rather_than_skips(checked: Any, media: Path, settings: Any) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.CLAMD_HOST, settings.CLAMD_PORT = "127.0.0.1", probe.getsockname()[1]
    item = material(checked.case, "credit_proof")
    response = _post_files(
        _client(checked.client), _upload_url(item), [("信用.pdf", samplefiles.pdf_bytes())]
    )
    assert response.status_code == 400
    assert "病毒扫描无法检查文件“信用.pdf”" in response.content.decode()
    _nothing_stored(media)


# -- a large upload streams -------------------------------------------------------------------------------


class _Body(io.RawIOBase):
    """A request body generated on the fly: multipart head, the PDF's chunks, the closing boundary."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self._parts = parts
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._parts)
            except StopIteration:
                break
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def readline(self, size: int = -1) -> bytes:  # WSGI input API; the multipart parser does not use it
        return self.read(size)


def test_a_50_mb_upload_streams_through_the_view_in_bounded_memory(checked: Any, media: Path) -> None:
    size = 50 * 1024 * 1024
    length, chunks = samplefiles.pdf_chunks(size)
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="审计报告.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    client = _client(checked.client)
    item = material(checked.case, "financial_report")
    environ = {
        **client._base_environ(),
        "REQUEST_METHOD": "POST",
        "PATH_INFO": _upload_url(item),
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(len(head) + length + len(tail)),
        "wsgi.input": _Body(iter([head, *chunks, tail])),
    }
    handler = ClientHandler(enforce_csrf_checks=False)
    tracemalloc.start()
    try:
        response = handler(environ)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 302, response.content[:500]
    stored = MaterialFile.objects.get()
    assert stored.size == length and stored.details == {"pages": 1}
    assert (media / stored.storage_name).stat().st_size == length
    assert peak < 12 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a {length / 1e6:.0f} MB upload"


def _upload_error_row(page: str, item: Any) -> str:
    """The table row of ``item`` in a checklist page."""
    start = page.index(f'<tr id="material-{item.pk}"')
    return page[start : page.index("</tr>", start)]


def test_a_refused_upload_is_shown_in_the_row_the_user_used(checked: Any) -> None:
    """The refusal stands in the material's row, announced, naming the file — not at the top of the
    list, far from the form (htmx swap and the page answered without JavaScript alike)."""
    item = material(checked.case, "financial_report")
    client = _client(checked.client)
    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = _post_files(client, _upload_url(item), [("空的报告.pdf", b"")], **headers)
        page = response.content.decode()
        row = _upload_error_row(page, item)
        assert 'role="alert"' in row and 'data-testid="upload-error"' in row
        assert "文件“空的报告.pdf”为空文件。" in row
        assert 'data-testid="materials-error"' not in page  # not also at the top
        other = _upload_error_row(page, material(checked.case, "business_license"))
        assert "upload-error" not in other
    # the form brings a page answered without JavaScript back to the row, and keeps the files (app.js)
    assert f'action="{_upload_url(item)}#material-{item.pk}" data-keeps-files' in page


def test_a_refusal_before_the_body_is_read_is_shown_in_the_row_too(checked: Any) -> None:
    accepted = material(checked.case, "credit_proof")
    services.version_accept(
        version=services.material_upload(material=accepted, actor=checked.consultant, files=[pdf()]),
        actor=checked.consultant,
    )
    response = _post_files(
        _client(checked.client), _upload_url(accepted), [("新信用.pdf", b"%PDF")], HTTP_HX_REQUEST="true"
    )
    row = _upload_error_row(response.content.decode(), accepted)
    assert "已审核通过；如需更换，请联系您的顾问。" in row and 'role="alert"' in row


def test_a_refused_upload_on_the_material_page_comes_back_to_that_page(checked: Any) -> None:
    item = material(checked.case, "financial_report")
    client = _client(checked.consultant)
    page_url = reverse("materials:item", kwargs={"pk": item.pk})
    form = client.get(page_url).content.decode()
    assert f'action="{_upload_url(item)}?from=detail#upload"' in form
    response = _post_files(client, _upload_url(item) + "?from=detail", [("空的报告.pdf", b"")])
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="upload-error"' in page and "文件“空的报告.pdf”为空文件。" in page
    assert page.index('data-testid="upload-error"') > page.index('id="upload"')  # at the form
    assert f'name="next" value="{page_url}"' in page
    # with htmx the page's upload section is swapped (200: htmx swaps those), a success reloads the page
    url = _upload_url(item) + "?from=detail"
    swapped = _post_files(client, url, [("空的报告.pdf", b"")], HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200 and 'id="upload-section"' in swapped.content.decode()
    assert "文件“空的报告.pdf”为空文件。" in swapped.content.decode()
    sent = _post_files(client, url, [("报告.pdf", samplefiles.pdf_bytes())], HTTP_HX_REQUEST="true")
    assert (sent.status_code, sent["HX-Redirect"]) == (204, page_url)
    assert "第 1 版已上传" in client.get(page_url).content.decode()

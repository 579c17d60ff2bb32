"""Agency templates: an agency admin's own DOCX version of a document, checked before it is stored,
used by generation while active, refused with the unknown placeholder named, kept to the agency's
admins, and deactivated back to the shipped template."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from licensedesk.core.documents.render import shipped_template
from licensedesk.core.errors import InvalidInput, PermissionDenied
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.documents.models import AgencyTemplate, GeneratedDocument, JobStatus
from licensedesk.web.documents.selectors import agency_template_rows
from licensedesk.web.documents.services import agency_template_deactivate, agency_template_upload
from licensedesk.web.materials import storage
from licensedesk.web.materials.services import IncomingFile

from ..materials.conftest import samplefiles
from .conftest import generate_now, make_ready, template_bytes

pytestmark = pytest.mark.django_db

BACKEND = "django.contrib.auth.backends.ModelBackend"
DOC = "application_letter"
MARK = "-定制"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Each test's own storage, so "nothing stored" can be checked by listing it."""
    root = tmp_path / "media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _incoming(data: bytes, name: str = "书面申请-本所版.docx") -> IncomingFile:
    return IncomingFile(name=name, content=io.BytesIO(data))


def _upload(
    tenant: Any, paragraph: str = "{{ company.name }}" + MARK, *, data: bytes | None = None, **kwargs: Any
) -> AgencyTemplate:
    kwargs.setdefault("license_id", "icp-b25")  # several licenses have an application letter
    return agency_template_upload(
        agency=tenant.agency,
        document_id=DOC,
        upload=_incoming(template_bytes(paragraph) if data is None else data),
        actor=tenant.admin,
        **kwargs,
    )


def _pdf_text(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def _docx_text(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return "\n".join(p.text for p in Document(io.BytesIO(handle.read())).paragraphs)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


# -- services ---------------------------------------------------------------------------------------------


def test_a_valid_upload_becomes_active_and_generation_uses_it(tenant: Any, media: Path) -> None:
    # built once: a DOCX carries its zip entries' times, so two builds a second apart differ
    data = template_bytes("{{ company.name }}" + MARK)
    template = _upload(tenant, data=data)
    assert (template.active, template.license_id, template.original_name) == (
        True,
        "icp-b25",
        "书面申请-本所版.docx",
    )
    with default_storage.open(template.storage_name, "rb") as handle:
        assert handle.read() == data
    event = AuditEvent.objects.get(action="documents.template_uploaded")
    assert (event.actor, event.after) == (tenant.admin, {"sha256": template.sha256, "active": True})

    case = make_ready(tenant.case, tenant.consultant)
    job = generate_now(case, tenant.consultant)
    letter = GeneratedDocument.objects.get(case=case, document_id=DOC, current=True)
    contract = GeneratedDocument.objects.get(case=case, document_id="commission_contract", current=True)
    assert f"{tenant.company.name}{MARK}" in _docx_text(letter.docx_name)
    assert f"{tenant.company.name}{MARK}" in _pdf_text(letter.pdf_name)
    assert MARK not in _docx_text(contract.docx_name)  # the other documents keep the shipped template
    generated = AuditEvent.objects.get(action="documents.generated", object_id=str(job.pk))
    assert generated.data["agency_templates"] == {DOC: template.sha256}


def test_a_new_upload_replaces_the_active_one(tenant: Any) -> None:
    first = _upload(tenant)
    second = _upload(tenant, "{{ company.uscc }}" + MARK)
    first.refresh_from_db()
    assert (first.active, second.active) == (False, True)
    assert AgencyTemplate.objects.filter(agency=tenant.agency, active=True).get() == second
    replaced = AuditEvent.objects.filter(action="documents.template_uploaded").order_by("seq").last()
    assert replaced.before == {"sha256": first.sha256}


def test_an_unknown_placeholder_is_refused_naming_it_and_nothing_is_stored(tenant: Any, media: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        _upload(tenant, "{{ nonsense_field }}")
    assert caught.value.code == "documents.template_invalid"
    assert caught.value.message == "书面申请-本所版.docx: unknown placeholders: nonsense_field"
    assert caught.value.message_zh == "书面申请-本所版.docx：模板中有未知的占位符：nonsense_field"
    assert caught.value.details["unknown"] == ["nonsense_field"]
    assert not AgencyTemplate.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="documents.template").exists()
    assert _files(media) == []


def test_an_unknown_field_of_a_known_name_and_an_unknown_filter_are_refused(tenant: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        _upload(tenant, "{{ company.nmae }}")
    assert caught.value.details["unknown"] == ["company.nmae"]
    with pytest.raises(InvalidInput) as caught:
        _upload(tenant, "{{ company.name|shout }}")
    assert caught.value.code == "documents.template_invalid"
    assert caught.value.message_zh == "书面申请-本所版.docx：未知的过滤器 shout"
    assert not AgencyTemplate.objects.exists()


def _payload(marker: Path) -> str:
    """Runs ``touch marker`` on the server when rendered by a plain Jinja environment."""
    return (
        "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == '_wrap_close' %}"
        f"{{{{ c.__init__.__globals__['popen']('touch {marker}').read() }}}}{{% endif %}}{{% endfor %}}"
    )


def test_a_code_execution_payload_is_refused_naming_it_and_nothing_is_stored(
    tenant: Any, media: Path, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _upload(tenant, _payload(tmp_path / "pwned"))
    assert caught.value.code == "documents.template_invalid"
    assert caught.value.details["reason"] == "documents.template_forbidden"
    assert caught.value.message.startswith("书面申请-本所版.docx: not allowed in a document template: line ")
    assert "calling ''.__class__.__mro__[1].__subclasses__(…)" in caught.value.message
    assert caught.value.message_zh.startswith("书面申请-本所版.docx：文件模板中不允许使用：第 ")
    assert not AgencyTemplate.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="documents.template").exists()
    assert _files(media) == []
    assert not (tmp_path / "pwned").exists()


def test_the_payload_uploaded_through_the_page_is_refused_with_the_message(tenant: Any, media: Path) -> None:
    response = _client(tenant.admin).post(
        reverse("documents:template_upload"),
        {
            "license_id": "icp-b25",
            "document_id": DOC,
            "file": SimpleUploadedFile("恶意.docx", template_bytes("{{ cycler.__init__.__globals__ }}")),
        },
        follow=True,
    )
    body = response.content.decode()
    assert "恶意.docx：文件模板中不允许使用：第 " in body
    assert "内部名称 cycler.__init__.__globals__（以 _ 开头）" in body
    assert not AgencyTemplate.objects.exists()
    assert _files(media) == []


def test_a_stored_template_that_no_longer_passes_the_check_is_not_rendered(
    tenant: Any, media: Path, tmp_path: Path
) -> None:
    """A row that never went through the upload check (or passed an older, weaker one): the job fails
    naming the file and the reason, runs nothing of it and stores no document."""
    marker = tmp_path / "pwned"
    data = template_bytes(_payload(marker))
    sha = hashlib.sha256(data).hexdigest()
    name, _ = storage.store(io.BytesIO(data), sha256=sha, size=len(data))
    AgencyTemplate.objects.create(
        agency=tenant.agency, license_id="icp-b25", document_id=DOC, storage_name=name, sha256=sha,
        size=len(data), original_name="旧模板.docx", uploaded_by=tenant.admin,
    )  # fmt: skip
    case = make_ready(tenant.case, tenant.consultant)
    job = generate_now(case, tenant.consultant)
    assert (job.status, job.error_code) == (JobStatus.FAILED, "documents.agency_template_refused")
    assert job.error_message.startswith(
        "The agency's template 旧模板.docx for Written application signed by the legal representative "
        "does not pass the template check and "
        "was not used; upload a corrected version or deactivate it to use the shipped template. "
        "旧模板.docx: not allowed in a document template: line "
    )
    assert job.error_message_zh.startswith(
        "本机构的模板 旧模板.docx（书面申请（法定代表人签署））未通过模板检查，未被使用；"
        "请上传修正后的版本，或停用该模板以改用系统模板。旧模板.docx：文件模板中不允许使用：第 "
    )
    assert not GeneratedDocument.objects.filter(case=case).exists()
    failed = AuditEvent.objects.get(action="documents.generation_failed", object_id=str(job.pk))
    assert failed.data["code"] == "documents.agency_template_refused"
    assert not marker.exists()
    page = _client(tenant.consultant).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "本机构的模板 旧模板.docx（书面申请（法定代表人签署））未通过模板检查" in page


def test_a_file_that_is_not_a_docx_is_refused(tenant: Any, media: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        agency_template_upload(
            agency=tenant.agency,
            license_id="icp-b25",
            document_id=DOC,
            upload=_incoming(samplefiles.pdf_bytes(), name="模板.docx"),
            actor=tenant.admin,
        )
    assert caught.value.code.startswith("upload.")
    assert "模板.docx" in caught.value.message and "模板.docx" in caught.value.message_zh
    assert not AgencyTemplate.objects.exists()
    assert _files(media) == []


def test_an_unknown_document_is_refused(tenant: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        agency_template_upload(
            agency=tenant.agency,
            document_id="nope",
            upload=_incoming(template_bytes("x")),
            actor=tenant.admin,
        )
    assert (caught.value.code, caught.value.message, caught.value.message_zh) == (
        "documents.unknown_document",
        "Unknown document: nope",
        "未知的文件：nope",
    )


def test_only_the_agencys_admins_upload_and_deactivate(tenant: Any, other_tenant: Any) -> None:
    for user in (tenant.consultant, tenant.client):
        with pytest.raises(PermissionDenied) as caught:
            agency_template_upload(
                agency=tenant.agency, document_id=DOC, upload=_incoming(template_bytes("x")), actor=user
            )
        assert caught.value.code == "permission.wrong_role"
    assert caught.value.message == (
        "Your role (client_user) may not upload document templates; allowed: agency_admin."
    )
    with pytest.raises(PermissionDenied) as caught:
        agency_template_upload(
            agency=tenant.agency,
            document_id=DOC,
            upload=_incoming(template_bytes("x")),
            actor=other_tenant.admin,
        )
    assert (caught.value.code, caught.value.message_zh) == (
        "permission.other_tenant",
        "无权访问其他机构的数据。",
    )
    assert not AgencyTemplate.objects.exists()
    template = _upload(tenant)
    for user in (tenant.consultant, other_tenant.admin):
        with pytest.raises(PermissionDenied):
            agency_template_deactivate(template=template, actor=user)
    template.refresh_from_db()
    assert template.active


def test_deactivating_restores_the_shipped_template(tenant: Any) -> None:
    template = _upload(tenant)
    agency_template_deactivate(template=template, actor=tenant.admin)
    template.refresh_from_db()
    assert not template.active
    event = AuditEvent.objects.get(action="documents.template_deactivated")
    assert (event.before, event.after, event.data["sha256"]) == (
        {"active": True},
        {"active": False},
        template.sha256,
    )
    case = make_ready(tenant.case, tenant.consultant)
    job = generate_now(case, tenant.consultant)
    letter = GeneratedDocument.objects.get(case=case, document_id=DOC, current=True)
    assert MARK not in _docx_text(letter.docx_name)
    assert (
        "agency_templates"
        not in AuditEvent.objects.get(action="documents.generated", object_id=str(job.pk)).data
    )


def test_another_agencys_template_is_not_used(tenant: Any, other_tenant: Any) -> None:
    _upload(other_tenant)
    case = make_ready(tenant.case, tenant.consultant)
    generate_now(case, tenant.consultant)
    letter = GeneratedDocument.objects.get(case=case, document_id=DOC, current=True)
    assert MARK not in _docx_text(letter.docx_name)


# -- the page ---------------------------------------------------------------------------------------------


def test_the_page_lists_shipped_and_agency_versions(tenant: Any, django_assert_num_queries: Any) -> None:
    template = _upload(tenant)
    rows = {(r.license_id, r.document_id): r for r in agency_template_rows(user=tenant.admin)}
    assert rows[("icp-b25", DOC)].active == template
    assert rows[("icp-b25", "commission_contract")].active is None
    client = _client(tenant.admin)
    with django_assert_num_queries(4):  # session, user, the inbox unread count, the active templates
        response = client.get(reverse("documents:templates"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "文件模板" in body and "本机构版本" in body and "系统模板" in body
    assert "书面申请-本所版.docx" in body and str(tenant.admin) in body
    shipped = client.get(reverse("documents:template_shipped", args=["icp-b25", DOC]))
    assert shipped.status_code == 200 and shipped.content == shipped_template("icp-b25", DOC)
    assert client.get(reverse("documents:template_shipped", args=["icp-b25", "nope"])).status_code == 404


def test_upload_download_and_deactivate_through_the_page(tenant: Any) -> None:
    client = _client(tenant.admin)
    data = template_bytes("{{ company.name }}" + MARK)
    response = client.post(
        reverse("documents:template_upload"),
        {"license_id": "icp-b25", "document_id": DOC, "file": SimpleUploadedFile("本所版.docx", data)},
        follow=True,
    )
    assert "模板已上传：现在使用 本所版.docx。" in response.content.decode()
    template = AgencyTemplate.objects.get(active=True)
    download = client.get(reverse("documents:template_download", args=[template.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == data
    bad = client.post(
        reverse("documents:template_upload"),
        {
            "license_id": "icp-b25",
            "document_id": DOC,
            "file": SimpleUploadedFile("坏.docx", template_bytes("{{ nonsense_field }}")),
        },
        follow=True,
    )
    assert "坏.docx：模板中有未知的占位符：nonsense_field" in bad.content.decode()
    assert AgencyTemplate.objects.get(active=True) == template  # the refusal changed nothing
    response = client.post(reverse("documents:template_deactivate", args=[template.pk]), follow=True)
    assert "已恢复使用系统模板。" in response.content.decode()
    assert not AgencyTemplate.objects.filter(active=True).exists()


def test_the_page_is_for_admins_of_the_agency_only(tenant: Any, other_tenant: Any) -> None:
    template = _upload(tenant)
    for user in (tenant.consultant, tenant.client):
        client = _client(user)
        assert client.get(reverse("documents:templates")).status_code == 403
        assert client.get(reverse("documents:template_download", args=[template.pk])).status_code == 403
        assert client.post(reverse("documents:template_deactivate", args=[template.pk])).status_code == 403
    other = _client(other_tenant.admin)
    page = other.get(reverse("documents:templates")).content.decode()
    assert "书面申请-本所版.docx" not in page
    assert other.get(reverse("documents:template_download", args=[template.pk])).status_code == 404
    assert other.post(reverse("documents:template_deactivate", args=[template.pk])).status_code == 404
    template.refresh_from_db()
    assert template.active


def test_a_document_several_licenses_have_needs_its_license_named(tenant: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        _upload(tenant, license_id=None)
    assert caught.value.code == "documents.license_required"
    assert "icp-b25" in caught.value.details["licenses"] and len(caught.value.details["licenses"]) > 1
    assert not AgencyTemplate.objects.exists()

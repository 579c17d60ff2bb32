"""The documents services: the case data, generation jobs (run here in the test's thread), their
failures, the stored files, the bundle and the audit trail."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from licensedesk.core.documents.bundle import verify_bundle
from licensedesk.core.documents.definitions import load_definitions
from licensedesk.core.errors import ConcurrencyError, InvalidInput, PermissionDenied, WorkflowError
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.services import case_run_check
from licensedesk.web.documents.models import (
    CaseDocumentData,
    GeneratedDocument,
    GenerationJob,
    JobStatus,
    SubmissionBundle,
)
from licensedesk.web.documents.services import (
    case_document_data_save,
    generation_job_request,
    generation_job_run,
)
from licensedesk.web.materials.models import CaseMaterial
from licensedesk.web.materials.services import IncomingFile, material_upload, version_accept

from ..materials.conftest import samplefiles
from .conftest import example_case_data, generate_now, make_ready

pytestmark = pytest.mark.django_db


def _actions(case: Any) -> list[str]:
    return list(AuditEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True))


def _stored(media: Path) -> list[Path]:
    return sorted(p for p in media.rglob("*") if p.is_file())


def _media() -> Path:
    return Path(default_storage.location)


def _pdf_text(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


# -- the case data --------------------------------------------------------------------------------------


def test_data_is_saved_audited_and_updated_field_by_field(tenant: Any) -> None:
    case = tenant.case
    saved = case_document_data_save(
        case=case,
        actor=tenant.consultant,
        values={"agency.name": " 深圳市知行企业服务有限公司 ", "contract.fee_cny": 30000},
        expected_version=None,
    )
    assert saved.version == 1
    assert saved.data == {"agency": {"name": "深圳市知行企业服务有限公司"}, "contract": {"fee_cny": 30000.0}}
    again = case_document_data_save(
        case=case, actor=tenant.admin, values={"contract.fee_cny": None, "number": "LD-1"}, expected_version=1
    )
    assert again.version == 2
    assert again.data == {"agency": {"name": "深圳市知行企业服务有限公司"}, "number": "LD-1"}
    [first, second] = AuditEvent.objects.filter(action="documents.data_saved").order_by("seq")
    assert first.after == {"agency.name": "深圳市知行企业服务有限公司", "contract.fee_cny": 30000.0}
    assert second.before == {"contract.fee_cny": 30000.0, "number": None}
    assert second.after == {"contract.fee_cny": None, "number": "LD-1"}


def test_bad_data_is_refused_naming_the_field_and_nothing_is_saved(tenant: Any) -> None:
    case = tenant.case
    case_document_data_save(
        case=case, actor=tenant.consultant, values={"agency.name": "知行"}, expected_version=None
    )
    with pytest.raises(InvalidInput) as caught:
        case_document_data_save(
            case=case,
            actor=tenant.consultant,
            values={"agency.uscc": "91440300MA5G7QXK0X", "agency.address": "深圳"},
            expected_version=1,
        )
    assert caught.value.code == "documents.data_invalid"
    [problem] = caught.value.details["problems"]
    assert problem["path"] == "agency.uscc"
    assert caught.value.message_zh.startswith("文件数据有误：agency.uscc: ")
    assert CaseDocumentData.objects.get(case=case).data == {"agency": {"name": "知行"}}


def test_a_stale_edit_is_refused(tenant: Any) -> None:
    case = tenant.case
    case_document_data_save(case=case, actor=tenant.consultant, values={"number": "A"}, expected_version=None)
    case_document_data_save(case=case, actor=tenant.consultant, values={"number": "B"}, expected_version=1)
    with pytest.raises(ConcurrencyError) as caught:
        case_document_data_save(case=case, actor=tenant.admin, values={"number": "C"}, expected_version=1)
    assert caught.value.message_zh == "文件数据已被他人修改，请刷新后重试。"
    assert CaseDocumentData.objects.get(case=case).data == {"number": "B"}


def test_clients_and_other_agencies_may_not_edit_the_data(tenant: Any, other_tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        case_document_data_save(
            case=tenant.case, actor=tenant.client, values={"number": "X"}, expected_version=None
        )
    assert caught.value.code == "permission.wrong_role"
    assert caught.value.message == (
        "Your role (client_user) may not edit the document data; allowed: agency_admin, consultant."
    )
    with pytest.raises(PermissionDenied) as caught:
        case_document_data_save(
            case=tenant.case, actor=other_tenant.admin, values={"number": "X"}, expected_version=None
        )
    assert caught.value.message_zh == "无权访问其他机构的数据。"
    assert not CaseDocumentData.objects.exists()


# -- generation ---------------------------------------------------------------------------------------


def test_generation_stores_every_document_and_audits_it(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    job = generate_now(case, tenant.consultant)
    assert (job.status, job.done_count, job.total, job.error_code) == (JobStatus.DONE, 10, 10, "")
    documents = list(GeneratedDocument.objects.filter(case=case, current=True).order_by("position"))
    ids = [d.document_id for d in documents]
    assert ids == [d.id for d in load_definitions("icp-b25").documents]  # the checklist needs all ten
    letter = documents[0]
    assert letter.signed and letter.title_zh == "书面申请（法定代表人签署）"
    with default_storage.open(letter.pdf_name, "rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == letter.pdf_sha256 == letter.pdf_name.split("/")[1]
    text = _pdf_text(letter.pdf_name)
    assert tenant.company.name in text and tenant.company.uscc in text and "2026年11月28日" in text
    assert _actions(case)[-2:] == ["documents.generation_requested", "documents.generated"]
    generated = AuditEvent.objects.get(action="documents.generated")
    assert generated.actor == tenant.consultant
    assert generated.data["documents"]["application_letter"]["pdf"] == letter.pdf_sha256
    assert generated.data["skipped"] == []


def test_same_data_gives_the_same_bytes_and_replaces_the_current_version(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    generate_now(case, tenant.consultant)
    first = {
        d.document_id: (d.pdf_sha256, d.docx_sha256) for d in GeneratedDocument.objects.filter(case=case)
    }
    generate_now(case, tenant.admin, only=["commission_contract"])
    current = GeneratedDocument.objects.get(case=case, document_id="commission_contract", current=True)
    assert (current.pdf_sha256, current.docx_sha256) == first["commission_contract"]
    assert GeneratedDocument.objects.filter(case=case, document_id="commission_contract").count() == 2
    assert GeneratedDocument.objects.filter(case=case, current=True).count() == 10


def test_missing_data_fails_the_job_naming_every_field_and_writes_nothing(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant, leave_out=("agency.name", "security_officer.phone"))
    before = _stored(_media())
    job = generate_now(case, tenant.consultant)
    assert job.status == JobStatus.FAILED and job.error_code == "documents.data_missing"
    assert job.missing == {
        "commission_contract": ["case.agency.name"],
        "security_responsibility_letter": ["case.security_officer.phone"],
        "security_measures": ["case.security_officer.phone"],
    }
    assert job.error_message_zh == (
        "生成文件所需的数据缺失：security_responsibility_letter: case.security_officer.phone；"
        "commission_contract: case.agency.name；"
        "security_measures: case.security_officer.phone"
    )
    assert job.done_count == 10 and job.finished_at is not None
    assert not GeneratedDocument.objects.exists() and not SubmissionBundle.objects.exists()
    assert _stored(_media()) == before
    failed = AuditEvent.objects.get(action="documents.generation_failed")
    assert failed.data["missing"] == job.missing and failed.case_id == case.pk


def test_a_profile_gap_is_named_with_its_profile_path(tenant: Any) -> None:
    case = tenant.case  # the factory profile has no websites, hosting or business scope
    case_document_data_save(
        case=case, actor=tenant.consultant, values=example_case_data(), expected_version=None
    )
    job = generate_now(case, tenant.consultant, only=["company_profile"])
    assert job.status == JobStatus.FAILED
    assert job.missing == {
        "company_profile": ["company.business_scope", "service.hosting", "service.websites"]
    }


def test_clients_and_other_agencies_may_not_generate(tenant: Any, other_tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        generation_job_request(case=tenant.case, actor=tenant.client)
    assert caught.value.message == (
        "Your role (client_user) may not generate documents; allowed: agency_admin, consultant."
    )
    with pytest.raises(PermissionDenied):
        generation_job_request(case=tenant.case, actor=other_tenant.consultant)
    assert not GenerationJob.objects.exists()


def test_one_job_at_a_time_and_unknown_documents_are_refused(tenant: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        generation_job_request(case=tenant.case, actor=tenant.consultant, only=["cover_letter"])
    assert (caught.value.code, caught.value.message_zh) == (
        "documents.unknown_document",
        "未知的文件：cover_letter",
    )
    job = generation_job_request(case=tenant.case, actor=tenant.consultant)
    with pytest.raises(WorkflowError) as caught:
        generation_job_request(case=tenant.case, actor=tenant.admin)
    assert caught.value.message_zh == "本案件的文件正在生成中，请等待完成后再试。"
    assert generation_job_run(job_id=job.pk) is not None
    assert generation_job_run(job_id=job.pk) is None  # taken once only
    generation_job_request(case=tenant.case, actor=tenant.admin)  # finished: a new one may start


# -- the bundle -----------------------------------------------------------------------------------------


def accept_business_license(case: Any, tenant: Any) -> CaseMaterial:
    material = CaseMaterial.objects.select_related("case", "case__company").get(
        case=case, material_id="business_license"
    )
    version = material_upload(
        material=material,
        actor=tenant.client,
        files=[IncomingFile("营业执照副本.pdf", io.BytesIO(samplefiles.pdf_bytes(pages=2)))],
    )
    profile = case.company.profile["company"]
    version_accept(
        version=version,
        actor=tenant.consultant,
        long_term=True,
        confirmed={
            "company.name": profile["name"],
            "company.uscc": profile["uscc"],
            "company.legal_representative.name": profile["legal_representative"]["name"],
        },
    )
    return material


def test_the_bundle_holds_the_accepted_materials_and_the_documents(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    accept_business_license(case, tenant)
    # an upload not (yet) accepted stays out
    pending = CaseMaterial.objects.select_related("case").get(
        case=case, material_id="articles_of_association"
    )
    material_upload(
        material=pending,
        actor=tenant.client,
        files=[IncomingFile("章程.pdf", io.BytesIO(samplefiles.pdf_bytes()))],
    )
    job = generate_now(case, tenant.consultant, bundle=True)
    assert job.status == JobStatus.DONE and job.total == 11
    bundle = SubmissionBundle.objects.get(job=job)
    with default_storage.open(bundle.storage_name, "rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == bundle.sha256 and len(data) == bundle.size
    report = verify_bundle(data)
    assert report.ok and report.manifest == bundle.manifest
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names == [f["path"] for f in bundle.manifest["files"]] + ["manifest.json"]
    supplied = [f for f in bundle.manifest["files"] if f["source"] == "supplied"]
    assert [(f["material"], f["original_name"]) for f in supplied] == [
        ("business_license", "营业执照副本.pdf")
    ]
    assert "articles_of_association" in bundle.manifest["missing_required_materials"]
    assert bundle.warnings and "articles_of_association" in bundle.warnings[0]
    assert _actions(case)[-1] == "documents.bundle_built"


def test_a_bundle_is_built_from_the_whole_set(tenant: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        generation_job_request(
            case=tenant.case, actor=tenant.consultant, only=["application_form"], bundle=True
        )
    assert caught.value.message_zh == "提交材料包须包含全部申请文件。"

"""The documents services: the case data, generation jobs (run here in the test's thread), their
failures, the stored files, the bundle and the audit trail."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from licensedesk.core.documents.bundle import verify_bundle
from licensedesk.core.documents.definitions import load_definitions
from licensedesk.core.documents.packaging import CHINA
from licensedesk.core.errors import ConcurrencyError, InvalidInput, PermissionDenied, WorkflowError
from licensedesk.web.audit.models import AuditEvent
from licensedesk.web.cases.services import case_run_check
from licensedesk.web.documents import heartbeat, services
from licensedesk.web.documents.models import (
    CaseDocumentData,
    GeneratedDocument,
    GenerationJob,
    JobStatus,
    SubmissionBundle,
)
from licensedesk.web.documents.services import (
    case_document_data_save,
    generation_job_mark_interrupted,
    generation_job_request,
    generation_job_run,
    generation_jobs_sweep_interrupted,
)
from licensedesk.web.materials.models import CaseMaterial
from licensedesk.web.materials.services import IncomingFile, material_upload, version_accept

from .. import factories as f
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
        values={"contact.name": " 林晓梅 ", "contract.fee_cny": 30000},
        expected_version=None,
    )
    assert saved.version == 1
    assert saved.data == {"contact": {"name": "林晓梅"}, "contract": {"fee_cny": 30000.0}}
    again = case_document_data_save(
        case=case,
        actor=tenant.admin,
        values={"contract.fee_cny": None, "service_name": "云帆"},
        expected_version=1,
    )
    assert again.version == 2
    assert again.data == {"contact": {"name": "林晓梅"}, "service_name": "云帆"}
    [first, second] = AuditEvent.objects.filter(action="documents.data_saved").order_by("seq")
    assert first.after == {"contact.name": "林晓梅", "contract.fee_cny": 30000.0}
    assert second.before == {"contract.fee_cny": 30000.0, "service_name": None}
    assert second.after == {"contract.fee_cny": None, "service_name": "云帆"}


def test_bad_data_is_refused_naming_the_field_and_nothing_is_saved(tenant: Any) -> None:
    case = tenant.case
    case_document_data_save(
        case=case, actor=tenant.consultant, values={"contact.name": "林晓梅"}, expected_version=None
    )
    with pytest.raises(InvalidInput) as caught:
        case_document_data_save(
            case=case,
            actor=tenant.consultant,
            values={"premises.area_m2": -5, "premises.address": "深圳"},
            expected_version=1,
        )
    assert caught.value.code == "documents.data_invalid"
    [problem] = caught.value.details["problems"]
    assert problem["path"] == "premises.area_m2"
    assert caught.value.message_zh.startswith("文件数据有误：premises.area_m2: ")
    assert CaseDocumentData.objects.get(case=case).data == {"contact": {"name": "林晓梅"}}


def test_a_stale_edit_is_refused(tenant: Any) -> None:
    case = tenant.case
    case_document_data_save(
        case=case, actor=tenant.consultant, values={"service_name": "A"}, expected_version=None
    )
    case_document_data_save(
        case=case, actor=tenant.consultant, values={"service_name": "B"}, expected_version=1
    )
    with pytest.raises(ConcurrencyError) as caught:
        case_document_data_save(
            case=case, actor=tenant.admin, values={"service_name": "C"}, expected_version=1
        )
    assert caught.value.message_zh == "文件数据已被他人修改，请刷新后重试。"
    assert CaseDocumentData.objects.get(case=case).data == {"service_name": "B"}


def test_clients_and_other_agencies_may_not_edit_the_data(tenant: Any, other_tenant: Any) -> None:
    with pytest.raises(PermissionDenied) as caught:
        case_document_data_save(
            case=tenant.case, actor=tenant.client, values={"service_name": "X"}, expected_version=None
        )
    assert caught.value.code == "permission.wrong_role"
    assert caught.value.message == (
        "Your role (client_user) may not edit the document data; allowed: agency_admin, consultant."
    )
    with pytest.raises(PermissionDenied) as caught:
        case_document_data_save(
            case=tenant.case, actor=other_tenant.admin, values={"service_name": "X"}, expected_version=None
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
    case = make_ready(tenant.case, tenant.consultant, leave_out=("agency.address", "security_officer.phone"))
    before = _stored(_media())
    job = generate_now(case, tenant.consultant)
    assert job.status == JobStatus.FAILED and job.error_code == "documents.data_missing"
    assert job.missing == {
        "commission_contract": ["case.agency.address"],
        "security_responsibility_letter": ["case.security_officer.phone"],
        "security_measures": ["case.security_officer.phone"],
    }
    assert job.error_message_zh == (
        "生成文件所需的数据缺失：security_responsibility_letter: case.security_officer.phone；"
        "commission_contract: case.agency.address；"
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
    with pytest.raises(InvalidInput) as asked:  # materials are missing: the user must confirm first
        generation_job_request(case=case, actor=tenant.consultant, bundle=True)
    assert asked.value.code == "documents.bundle_confirm_missing"
    assert asked.value.message_zh == (
        "以下必需材料尚无文件：最近经会计师事务所审计的财务报告或验资报告；公司章程、股权结构及股东信息；"
        "公司信誉情况证明材料；员工社会保险缴纳证明（至少 3 人）。"
        "仍要生成提交材料包吗？目录中将把这些材料标注为“缺”。"
    )
    assert not GenerationJob.objects.filter(case=case).exists()
    job = generate_now(case, tenant.consultant, bundle=True, confirmed=True)
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


def test_a_signed_accepted_upload_replaces_the_generated_draft(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    letter = CaseMaterial.objects.select_related("case", "case__company").get(
        case=case, material_id="application_letter"
    )
    version = material_upload(
        material=letter,
        actor=tenant.client,
        files=[IncomingFile("书面申请-已签字盖章.pdf", io.BytesIO(samplefiles.pdf_bytes()))],
    )
    version_accept(version=version, actor=tenant.consultant)
    job = generate_now(case, tenant.consultant, bundle=True, confirmed=True)
    bundle = SubmissionBundle.objects.get(job=job)
    entries = [f for f in bundle.manifest["files"] if f["material"] == "application_letter"]
    assert [(f["path"], f["source"], f.get("original_name")) for f in entries] == [
        ("01-application_letter.pdf", "supplied", "书面申请-已签字盖章.pdf")
    ]
    with default_storage.open(bundle.storage_name, "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    packet = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read("print-packet.pdf"))).pages)
    assert packet.count("文件：01-application_letter") == 1  # never both the draft and the signed copy


def test_the_manifest_carries_the_stored_build_time_and_a_rebuild_gives_the_same_bytes(tenant: Any) -> None:
    case = make_ready(tenant.case, tenant.consultant)
    case_run_check(case=case, actor=tenant.consultant)
    job = generate_now(case, tenant.consultant, bundle=True, confirmed=True)
    bundle = SubmissionBundle.objects.get(job=job)
    assert bundle.built_at is not None and bundle.built_at.microsecond == 0
    assert bundle.manifest["generated_at"] == bundle.built_at.astimezone(CHINA).isoformat()
    assert not bundle.manifest["generated_at"].endswith("T00:00:00+08:00")  # the real time, not midnight
    with default_storage.open(bundle.storage_name, "rb") as handle:
        stored = handle.read()
    # the job's work again (its progress writes need it running), with the record's stored build time
    GenerationJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    profile, case_data = services._inputs(job)
    rebuilt = services._bundle(case, services._render(job, profile, case_data), profile, bundle.built_at)
    assert rebuilt.data == stored


def test_a_bundle_is_built_from_the_whole_set(tenant: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        generation_job_request(
            case=tenant.case, actor=tenant.consultant, only=["application_form"], bundle=True
        )
    assert caught.value.message_zh == "提交材料包须包含全部申请文件。"


# -- jobs whose process stopped ----------------------------------------------------------------------------

INTERRUPTED_ZH = "文件生成中断（处理进程已停止），请重新生成"
INTERRUPTED_EN = "Document generation was interrupted (its process stopped); please generate again."
TIMEOUT = timedelta(seconds=30)  # JOB_HEARTBEAT_TIMEOUT_SECONDS' default


def _running(job: GenerationJob, *, done: int = 0) -> GenerationJob:
    """The job as a worker leaves it while it renders: claimed (running), ``done`` steps finished, and
    beaten once, now, by the real heartbeat."""
    GenerationJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=heartbeat.now())
    assert heartbeat.beat([job.pk]) == 1
    GenerationJob.objects.filter(pk=job.pk).update(done_count=done)
    job.refresh_from_db()
    return job


def test_a_job_with_a_fresh_heartbeat_is_not_marked_and_a_silent_one_is(tenant: Any) -> None:
    job = _running(generation_job_request(case=tenant.case, actor=tenant.consultant), done=3)
    beat = job.heartbeat_at
    assert beat is not None
    assert not generation_job_mark_interrupted(job=job, now=beat + TIMEOUT - timedelta(seconds=1))
    assert generation_jobs_sweep_interrupted(now=beat + TIMEOUT - timedelta(seconds=1)) == 0
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert "documents.generation_interrupted" not in _actions(tenant.case)

    assert generation_job_mark_interrupted(job=job, now=beat + TIMEOUT + timedelta(seconds=1))
    assert (job.status, job.error_code) == (JobStatus.INTERRUPTED, "documents.job_interrupted")
    assert (job.error_message_zh, job.error_message) == (INTERRUPTED_ZH, INTERRUPTED_EN)
    assert job.finished_at == beat + TIMEOUT + timedelta(seconds=1)
    event = AuditEvent.objects.get(action="documents.generation_interrupted")
    assert (event.actor, event.case_id, event.before, event.after) == (
        None,
        tenant.case.pk,
        {"status": "running"},
        {"status": "interrupted"},
    )
    assert event.data == {
        "job": job.pk,
        "code": "documents.job_interrupted",
        "backend": "thread",
        "done": 3,
        "total": 10,
        "last_heartbeat": beat.isoformat(),
    }
    # marked once: a second look (the next poll, the sweep) changes nothing and writes no second event
    assert not generation_job_mark_interrupted(job=job, now=beat + TIMEOUT * 3)
    assert generation_jobs_sweep_interrupted(now=beat + TIMEOUT * 3) == 0
    assert AuditEvent.objects.filter(action="documents.generation_interrupted").count() == 1
    assert heartbeat.beat([job.pk]) == 0  # an interrupted job is never revived by a late beat


def test_a_new_request_replaces_a_silent_job_at_once_but_not_a_live_one(tenant: Any) -> None:
    job = _running(generation_job_request(case=tenant.case, actor=tenant.consultant))
    with pytest.raises(WorkflowError) as caught:  # beaten just now: it is alive
        generation_job_request(case=tenant.case, actor=tenant.admin)
    assert caught.value.code == "documents.job_active"
    GenerationJob.objects.filter(pk=job.pk).update(
        heartbeat_at=heartbeat.now() - TIMEOUT - timedelta(seconds=1)
    )
    again = generation_job_request(case=tenant.case, actor=tenant.admin)  # no 15-minute wait
    job.refresh_from_db()
    assert (job.status, again.status) == (JobStatus.INTERRUPTED, JobStatus.QUEUED)
    assert _actions(tenant.case)[-3:] == [
        "documents.generation_requested",
        "documents.generation_interrupted",
        "documents.generation_requested",
    ]


def test_the_sweep_marks_exactly_the_jobs_whose_process_is_gone(tenant: Any, other_tenant: Any) -> None:
    """Running and beaten long ago, running and beaten now, queued on a thread pool and never beaten
    (its process died before taking it), queued on Celery within and beyond the broker allowance, and a
    finished job with an old heartbeat; across two agencies. The SQL (sweep) and the Python (panel)
    rules agree on every one."""
    at = heartbeat.now()
    cases = [tenant.case, tenant.case2, other_tenant.case, other_tenant.case2]
    cases += [f.CaseFactory(company=f.ClientCompanyFactory(agency=t.agency)) for t in (tenant, other_tenant)]
    actors = [tenant.consultant] * 2 + [other_tenant.consultant] * 2 + [tenant.admin, other_tenant.admin]
    jobs = [generation_job_request(case=c, actor=a) for c, a in zip(cases, actors, strict=True)]
    long_ago, allowance = at - TIMEOUT - timedelta(seconds=1), timedelta(seconds=900)
    rows = {
        "running, silent": dict(status="running", heartbeat_at=long_ago, created_at=long_ago),
        "running, beating": dict(status="running", heartbeat_at=at, created_at=long_ago),
        "queued on a dead pool": dict(status="queued", backend="thread", created_at=long_ago),
        "queued on celery": dict(status="queued", backend="celery", created_at=long_ago),
        "queued on celery too long": dict(status="queued", backend="celery", created_at=long_ago - allowance),
        "done": dict(status="done", heartbeat_at=long_ago, created_at=long_ago),
    }
    for job, values in zip(jobs, rows.values(), strict=True):
        GenerationJob.objects.filter(pk=job.pk).update(**values)
    read = {name: GenerationJob.objects.get(pk=job.pk) for name, job in zip(rows, jobs, strict=True)}
    expected = {"running, silent", "queued on a dead pool", "queued on celery too long"}
    assert {name for name, job in read.items() if heartbeat.is_stale(job, at)} == expected
    assert generation_jobs_sweep_interrupted(now=at) == 3
    marked = {
        name for name, job in read.items() if GenerationJob.objects.get(pk=job.pk).status == "interrupted"
    }
    assert marked == expected
    events = AuditEvent.objects.filter(action="documents.generation_interrupted")
    assert sorted((e.agency_id, e.before["status"]) for e in events) == sorted(
        [(tenant.agency.pk, "running"), (other_tenant.agency.pk, "queued"), (tenant.agency.pk, "queued")]
    )
    assert generation_jobs_sweep_interrupted(now=at) == 0


def test_a_job_marked_interrupted_while_it_still_ran_keeps_nothing(tenant: Any, monkeypatch: Any) -> None:
    """A process that missed every beat for the whole timeout (stopped by a debugger, a frozen VM) and
    comes back: the job stays interrupted and nothing it made is stored — a new job may run by then."""
    case = make_ready(tenant.case, tenant.consultant)
    job = generation_job_request(case=case, actor=tenant.consultant, only=["application_form"])
    real = services.render_documents

    def render_then_lose_the_job(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        running = GenerationJob.objects.get(pk=job.pk)
        assert generation_job_mark_interrupted(job=running, now=running.heartbeat_at + TIMEOUT * 2)
        return result

    monkeypatch.setattr(services, "render_documents", render_then_lose_the_job)
    before = _stored(_media())
    ran = generation_job_run(job_id=job.pk)
    assert ran is not None and ran.status == JobStatus.INTERRUPTED
    assert not GeneratedDocument.objects.exists()
    assert _stored(_media()) == before
    assert _actions(case)[-2:] == ["documents.generation_requested", "documents.generation_interrupted"]


def test_the_periodic_housekeeping_and_serve_start_mark_silent_jobs(tenant: Any) -> None:
    from django.core.management import call_command

    from licensedesk.web.housekeeping import housekeeping_run

    first = _running(generation_job_request(case=tenant.case, actor=tenant.consultant))
    _running(generation_job_request(case=tenant.case2, actor=tenant.consultant))
    assert first.heartbeat_at is not None
    report = housekeeping_run(now=first.heartbeat_at + TIMEOUT - timedelta(seconds=1))
    assert report.tasks["housekeeping.interrupted_generation_jobs"] == 0 and not report.errors
    report = housekeeping_run(now=first.heartbeat_at + TIMEOUT + timedelta(seconds=1))
    assert report.tasks["housekeeping.interrupted_generation_jobs"] == 2
    assert set(GenerationJob.objects.values_list("status", flat=True)) == {JobStatus.INTERRUPTED}
    assert AuditEvent.objects.filter(action="documents.generation_interrupted").count() == 2

    # the housekeeping command: what `licensedesk serve` runs before it starts gunicorn (and cron runs),
    # here for a job whose process died with the last server
    third = generation_job_request(case=tenant.case, actor=tenant.consultant)
    GenerationJob.objects.filter(pk=third.pk).update(
        status="running", heartbeat_at=heartbeat.now() - TIMEOUT - timedelta(seconds=1)
    )
    out = io.StringIO()
    call_command("housekeeping", stdout=out)
    third.refresh_from_db()
    assert third.status == JobStatus.INTERRUPTED
    assert "housekeeping.interrupted_generation_jobs: 1" in out.getvalue()

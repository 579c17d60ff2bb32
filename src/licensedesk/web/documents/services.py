"""Writes of the documents app: the case data the documents need, generation jobs (requested here, run in
the background by :mod:`licensedesk.web.documents.runner` or Celery, both calling
:func:`generation_job_run`), and the download records. Each checks the actor's role, makes its change
and records its audit event in one transaction.

Generation renders everything in memory first; only when every requested document (and the bundle)
is ready are the files stored and the rows written, in one transaction with the audit event. A job
that fails (missing data named field by field, a bad template, a material file that cannot be read)
leaves nothing behind but its own failed state.
"""

from __future__ import annotations

import hashlib
import io
import logging
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from licensedesk.core.documents.bundle import Bundle, build_bundle
from licensedesk.core.documents.bundle import MaterialFile as BundleMaterial
from licensedesk.core.documents.case import CaseData, CaseFileError, validate_case
from licensedesk.core.documents.definitions import LicenseDocuments, PlannedDocument, load_definitions
from licensedesk.core.documents.errors import DocumentDataMissing, TemplateInvalid
from licensedesk.core.documents.packaging import CHINA
from licensedesk.core.documents.render import DocumentSet, RenderedDocument, render_documents
from licensedesk.core.documents.template_check import check_template
from licensedesk.core.errors import ApplicationError, ConcurrencyError, InvalidInput, WorkflowError
from licensedesk.core.filecheck import FileReport, inspect_file
from licensedesk.core.profile import CompanyProfile, ProfileError, validate_profile
from licensedesk.web.accounts.models import Agency, User
from licensedesk.web.accounts.roles import ensure_admin, ensure_staff
from licensedesk.web.audit.services import audit_record
from licensedesk.web.cases.case_types import case_documents
from licensedesk.web.cases.models import Case
from licensedesk.web.documents import fields, heartbeat
from licensedesk.web.documents.models import (
    ACTIVE_STATUSES,
    AgencyTemplate,
    CaseDocumentData,
    GeneratedDocument,
    GenerationJob,
    JobStatus,
    SubmissionBundle,
)
from licensedesk.web.materials import storage
from licensedesk.web.materials.models import CaseMaterial, MaterialFile, MaterialStatus
from licensedesk.web.materials.services import IncomingFile, effective_status

logger = logging.getLogger(__name__)

_SUFFIX = {"jpeg": "jpg"}

# -- the case data ----------------------------------------------------------------------------------------


def case_file(case: Case, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored case data as a case file (what :func:`validate_case` reads)."""
    return {"schema_version": "1", "license": case.license_id, **dict(data or {})}


def documents_case_file(case: Case, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The case file the documents are drafted from: the stored case data, with the case's own number
    and the agency's facts from its settings (a setting left empty falls back to a value stored with
    the case before the settings existed), and the agency's default fee when the case names none."""
    merged = _copy(dict(data or {}))
    agency = case.agency
    for path, (attribute, _label) in fields.AGENCY_FIELDS.items():
        value = getattr(agency, attribute)
        if value not in (None, ""):
            fields.set_path(merged, path, value)
    if agency.default_fee_cny is not None and fields.get_path(merged, "contract.fee_cny") is None:
        fields.set_path(merged, "contract.fee_cny", float(agency.default_fee_cny))
    if case.number:
        merged["number"] = case.number
    return case_file(case, merged)


def _data_problems(exc: CaseFileError) -> InvalidInput:
    problems = [{"path": p.path, "message": p.message} for p in exc.problems]
    lines = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
    return InvalidInput(
        f"The document data has errors: {lines}",
        code="documents.data_invalid",
        message_zh=f"文件数据有误：{lines}",
        details={"problems": problems},
    )


def case_document_data_save(
    *, case: Case, actor: User, values: Mapping[str, Any], expected_version: int | None
) -> CaseDocumentData:
    """Set the case-data fields in ``values`` (case-file paths → value; None clears one) and keep the
    others. ``expected_version`` is the version the form was rendered from (None: no data yet). The
    result must be a valid case file, else :class:`InvalidInput` names each wrong field and nothing
    is saved."""
    ensure_staff(actor, case.agency_id, action="edit the document data")
    unknown = sorted(set(values) - set(fields.BY_PATH))
    if unknown:
        raise InvalidInput(
            f"Unknown document data fields: {', '.join(unknown)}",
            code="documents.unknown_field",
            message_zh=f"未知的文件数据字段：{'、'.join(unknown)}",
            details={"fields": unknown},
        )
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).get()
        current = CaseDocumentData.objects.filter(case_id=case.pk).first()
        version = current.version if current else None
        if version != expected_version:
            raise ConcurrencyError(
                "The document data changed since you loaded it; reload the page and try again.",
                code="documents.data_changed",
                message_zh="文件数据已被他人修改，请刷新后重试。",
                details={"expected_version": expected_version, "current_version": version},
            )
        before = dict(current.data) if current else {}
        data: dict[str, Any] = _copy(before)
        for path, value in values.items():
            if isinstance(value, str):
                value = value.strip() or None
            fields.set_path(data, path, value)
        try:
            parsed = validate_case(case_file(case, data))
        except CaseFileError as exc:
            raise _data_problems(exc) from None
        data = parsed.model_dump(mode="json", exclude_unset=True, exclude={"schema_version", "license"})
        changed = sorted(p for p in fields.BY_PATH if fields.get_path(before, p) != fields.get_path(data, p))
        created = current is None
        if current is None:
            current = CaseDocumentData.objects.create(case=case, data=data, updated_by=actor)
        elif changed:
            CaseDocumentData.objects.filter(pk=current.pk).update(
                data=data, version=F("version") + 1, updated_by=actor, updated_at=timezone.now()
            )
            current.refresh_from_db()
        if created or changed:
            audit_record(
                agency=case.agency_id,
                actor=actor,
                action="documents.data_saved",
                case=case,
                target=current,
                before={p: fields.get_path(before, p) for p in changed},
                after={p: fields.get_path(data, p) for p in changed},
                data={"version": current.version},
            )
    return current


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}


# -- generation jobs ----------------------------------------------------------------------------------


def _definitions(case: Case) -> LicenseDocuments:
    try:
        return case_documents(case, load_definitions(case.license_id))  # a duty case drafts its own
    except KeyError:
        raise InvalidInput(
            f"No application documents are defined for {case.license_id}.",
            code="documents.no_definitions",
            message_zh=f"{case.license_id} 没有定义申请文件。",
        ) from None


# What an interrupted job says (stored on the job like any failure's message, shown on the panel).
JOB_INTERRUPTED_CODE = "documents.job_interrupted"
JOB_INTERRUPTED_MESSAGE = "Document generation was interrupted (its process stopped); please generate again."
JOB_INTERRUPTED_MESSAGE_ZH = "文件生成中断（处理进程已停止），请重新生成"


def generation_job_mark_interrupted(*, job: GenerationJob, now: datetime | None = None) -> bool:
    """Mark ``job`` interrupted if, at ``now``, it is still queued or running and its process is gone
    (no heartbeat for ``JOB_HEARTBEAT_TIMEOUT_SECONDS``, :mod:`~licensedesk.web.documents.heartbeat`).
    The row is re-read under lock, so a job that finished or beat meanwhile is left alone. The system
    (no actor) records ``documents.generation_interrupted`` in the same transaction. True if marked.

    Called by the panel when it shows an active job, by :func:`generation_job_request` before refusing
    a second job, and by :func:`generation_jobs_sweep_interrupted`."""
    at = now or heartbeat.now()
    if not heartbeat.is_stale(job, at):  # the row only gets fresher: no query, no lock for a live job
        return False
    with transaction.atomic():
        current = GenerationJob.objects.select_for_update().select_related("case").filter(pk=job.pk).first()
        if current is None or not heartbeat.is_stale(current, at):
            return False
        GenerationJob.objects.filter(pk=current.pk).update(
            status=JobStatus.INTERRUPTED,
            finished_at=at,
            error_code=JOB_INTERRUPTED_CODE,
            error_message=JOB_INTERRUPTED_MESSAGE,
            error_message_zh=JOB_INTERRUPTED_MESSAGE_ZH,
        )
        last_sign = current.heartbeat_at or current.created_at
        audit_record(
            agency=current.case.agency_id,
            actor=None,
            action="documents.generation_interrupted",
            case=current.case,
            target=current,
            before={"status": current.status},
            after={"status": JobStatus.INTERRUPTED},
            data={
                "job": current.pk,
                "code": JOB_INTERRUPTED_CODE,
                "backend": current.backend,
                "done": current.done_count,
                "total": current.total,
                "last_heartbeat": last_sign.isoformat(),
            },
        )
    job.refresh_from_db()
    logger.warning("generation job %s marked interrupted (no heartbeat since %s)", job.pk, last_sign)
    return True


def generation_jobs_sweep_interrupted(*, now: datetime | None = None) -> int:
    """Mark every job whose process is gone interrupted (at ``licensedesk serve`` start and in the
    periodic housekeeping); the number marked."""
    at = now or heartbeat.now()
    marked = 0
    for job in GenerationJob.objects.filter(heartbeat.stale_q(at)).order_by("pk"):
        marked += generation_job_mark_interrupted(job=job, now=at)
    return marked


#: a bundle asked for while required materials have no file: the user must confirm (a second step)
BUNDLE_CONFIRM = "documents.bundle_confirm_missing"


def _bundle_missing(case: Case, definitions: LicenseDocuments) -> list[CaseMaterial]:
    """Required materials of the case the bundle would have no file for: neither accepted (and still
    valid) nor drafted by one of the license's documents."""
    drafted = {d.material for d in definitions.documents if d.material}
    accepted = {f.version.material_id for f in _accepted_files(case)}
    return [
        m
        for m in CaseMaterial.objects.filter(case_id=case.pk, required=True).order_by("position", "pk")
        if m.pk not in accepted and m.material_id not in drafted
    ]


def generation_job_request(
    *,
    case: Case,
    actor: User,
    only: Sequence[str] | None = None,
    bundle: bool = False,
    confirmed: bool = False,
) -> GenerationJob:
    """Queue the generation of the case's documents (``only`` those ids, else all) and, with
    ``bundle``, of the submission bundle. Staff of the case's agency. One job at a time per case
    (``documents.job_active``). The job starts once the transaction commits.

    A bundle is the set handed in: while required materials have no file it is refused
    (``BUNDLE_CONFIRM``, naming them) unless ``confirmed`` — the user has seen what is missing and
    still wants it (its 目录 marks each missing item 缺)."""
    from licensedesk.web.documents.runner import backend_name, enqueue

    ensure_staff(actor, case.agency_id, action="generate documents")
    definitions = _definitions(case)
    ids = list(dict.fromkeys(only or ()))
    known = {d.id for d in definitions.documents}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidInput(
            f"Unknown document: {', '.join(unknown)}",
            code="documents.unknown_document",
            message_zh=f"未知的文件：{'、'.join(unknown)}",
            details={"documents": unknown},
        )
    if bundle and ids:
        raise InvalidInput(
            "A submission bundle is built from the whole set of documents.",
            code="documents.bundle_needs_all",
            message_zh="提交材料包须包含全部申请文件。",
        )
    if bundle and not confirmed and (missing := _bundle_missing(case, definitions)):
        raise InvalidInput(
            "Required materials have no file yet: "
            + "; ".join(m.title_en for m in missing)
            + ". Build the submission bundle anyway? Its contents will mark them as missing.",
            code=BUNDLE_CONFIRM,
            message_zh="以下必需材料尚无文件："
            + "；".join(m.title_zh for m in missing)
            + "。仍要生成提交材料包吗？目录中将把这些材料标注为“缺”。",
            details={"materials": [m.material_id for m in missing]},
        )
    steps = len(ids or known) + (1 if bundle else 0)
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).get()
        active = GenerationJob.objects.filter(case_id=case.pk, status__in=ACTIVE_STATUSES).first()
        if active is not None and not generation_job_mark_interrupted(job=active):
            raise WorkflowError(
                "Documents are being generated for this case; wait until that finishes.",
                code="documents.job_active",
                message_zh="本案件的文件正在生成中，请等待完成后再试。",
                details={"job": active.pk},
            )
        job = GenerationJob.objects.create(
            case=case, only=ids, bundle=bundle, total=steps, requested_by=actor, backend=backend_name()
        )
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="documents.generation_requested",
            case=case,
            target=job,
            after={"status": JobStatus.QUEUED},
            data={
                "job": job.pk,
                "only": ids,
                "bundle": bundle,
                "backend": job.backend,
                **({"confirmed_missing": True} if bundle and confirmed else {}),
            },
        )
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


@dataclass
class _Rendered:
    documents: list[RenderedDocument]
    skipped: list[PlannedDocument]
    check_result: dict[str, Any]
    case: CaseData
    templates: dict[str, str]  # document id → sha256 of the agency template it was drafted from


class _JobInterrupted(Exception):
    """The job was marked interrupted while this process still ran it (it missed its heartbeats for
    the whole timeout): it stops, and writes nothing — a new job may already have replaced it."""


def _progress(job_id: int, done: int) -> None:
    """Record progress, which is also a heartbeat (between documents, besides the beating thread)."""
    still_running = GenerationJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        done_count=done, heartbeat_at=heartbeat.now()
    )
    if not still_running:
        raise _JobInterrupted(job_id)


def _render(job: GenerationJob, profile: CompanyProfile, case_data: CaseData) -> _Rendered:
    """Each requested document in turn (progress after each); every missing field of every document is
    collected before giving up, so the failure names them all."""
    definitions = _definitions(job.case)
    ids = list(job.only) or [d.id for d in definitions.documents]
    documents: list[RenderedDocument] = []
    skipped: list[PlannedDocument] = []
    missing: dict[str, list[str]] = {}
    check_result: dict[str, Any] = {}
    templates = _agency_templates(job.case)
    _check_stored_templates(templates, definitions, ids)
    for done, doc_id in enumerate(ids, start=1):
        own = {doc_id: templates[doc_id].data} if doc_id in templates else None
        names = {doc_id: templates[doc_id].name} if doc_id in templates else None
        try:
            result = render_documents(profile, case_data, only=(doc_id,), templates=own, template_names=names)
        except DocumentDataMissing as exc:
            for key, paths in exc.missing.items():
                missing.setdefault(key, []).extend(paths)
        else:
            documents += result.documents
            skipped += result.skipped
            check_result = result.check_result
        _progress(job.pk, done)
    if missing:
        raise DocumentDataMissing(missing)
    used = {doc.id: templates[doc.id].sha256 for doc in documents if doc.id in templates}
    return _Rendered(documents, skipped, check_result, case_data, used)


def _accepted_files(case: Case) -> list[MaterialFile]:
    """The files of the accepted (and still valid) materials' accepted versions, in checklist order."""
    today = timezone.localdate()
    materials = [
        m
        for m in CaseMaterial.objects.filter(case_id=case.pk, status=MaterialStatus.ACCEPTED)
        .select_related("latest_version")
        .order_by("position", "pk")
        if effective_status(m, today) == MaterialStatus.ACCEPTED and m.latest_version_id
    ]
    order = {m.latest_version_id: i for i, m in enumerate(materials)}
    files = list(MaterialFile.objects.filter(version_id__in=list(order)).select_related("version__material"))
    return sorted(files, key=lambda f: (order[f.version_id], f.position, f.pk))


def _bundle(case: Case, rendered: _Rendered, profile: CompanyProfile, built_at: datetime) -> Bundle:
    """Build the bundle from the rendered documents and the accepted materials' stored files (copied
    to a temporary folder: the core reads paths, and storage may be remote). ``built_at`` is the
    manifest's time and is stored with the record (``SubmissionBundle.built_at``): built again with it,
    the same inputs give the same bytes."""
    document_set = DocumentSet(
        documents=rendered.documents,
        skipped=rendered.skipped,
        check_result=rendered.check_result,
        generated_at=rendered.case.generation_time(),
        case_number=rendered.case.number,
    )
    with tempfile.TemporaryDirectory(prefix="licensedesk-bundle-") as folder:
        supplied = []
        for index, file in enumerate(_accepted_files(case)):
            name = Path(file.original_name).name or f"file.{_SUFFIX.get(file.kind, file.kind)}"
            if Path(name).suffix.lower().lstrip(".") not in (file.kind, _SUFFIX.get(file.kind)):
                name = f"{name}.{_SUFFIX.get(file.kind, file.kind)}"
            path = Path(folder) / str(index) / name
            path.parent.mkdir()
            with storage.open_stored(file.storage_name) as source:
                path.write_bytes(source.read())
            supplied.append(BundleMaterial(file.version.material.material_id, path))
        return build_bundle(
            document_set,
            supplied,
            company=profile.company.name,
            uscc=profile.company.uscc,
            built_at=built_at.astimezone(CHINA),
        )


def _referenced(name: str) -> bool:
    return (
        MaterialFile.objects.filter(storage_name=name).exists()
        or GeneratedDocument.objects.filter(docx_name=name).exists()
        or GeneratedDocument.objects.filter(pdf_name=name).exists()
        or SubmissionBundle.objects.filter(storage_name=name).exists()
        or AgencyTemplate.objects.filter(storage_name=name).exists()
    )


def _store(data: bytes, created: list[str]) -> tuple[str, str, int]:
    sha = hashlib.sha256(data).hexdigest()
    name, is_new = storage.store(io.BytesIO(data), sha256=sha, size=len(data))
    if is_new:
        created.append(name)
    return name, sha, len(data)


def _fail(job: GenerationJob, error: ApplicationError) -> GenerationJob:
    case = job.case
    missing = error.missing if isinstance(error, DocumentDataMissing) else {}
    with transaction.atomic():
        changed = GenerationJob.objects.filter(pk=job.pk, status__in=ACTIVE_STATUSES).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error_code=error.code,
            error_message=error.message,
            error_message_zh=error.message_zh,
            missing=missing,
        )
        if not changed:  # marked interrupted meanwhile: that state stands
            job.refresh_from_db()
            return job
        audit_record(
            agency=case.agency_id,
            actor=None,
            action="documents.generation_failed",
            case=case,
            target=job,
            before={"status": JobStatus.RUNNING},
            after={"status": JobStatus.FAILED},
            data={"job": job.pk, "code": error.code, "missing": missing},
        )
    job.refresh_from_db()
    return job


def _inputs(job: GenerationJob) -> tuple[CompanyProfile, CaseData]:
    case = job.case
    try:
        profile = validate_profile(case.company.profile)
    except ProfileError as exc:
        lines = "; ".join(str(p) for p in exc.problems)
        raise InvalidInput(
            f"The company profile has errors: {lines}",
            code="documents.profile_invalid",
            message_zh=f"企业档案有误：{lines}",
        ) from None
    stored = CaseDocumentData.objects.filter(case_id=case.pk).values_list("data", flat=True).first()
    try:
        return profile, validate_case(documents_case_file(case, stored))
    except CaseFileError as exc:
        raise _data_problems(exc) from None


def generation_job_run(*, job_id: int) -> GenerationJob | None:
    """Run a queued job (from the thread pool or a Celery worker): render, then store everything and
    mark it done in one transaction. Returns None if the job was not queued (already taken)."""
    started = heartbeat.now()
    claimed = GenerationJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=started, heartbeat_at=started
    )
    if not claimed:
        return None
    with heartbeat.beating(job_id):  # until it is done, failed or abandoned
        job = GenerationJob.objects.select_related("case", "case__company", "requested_by").get(pk=job_id)
        try:
            return _run(job)
        except _JobInterrupted:
            logger.warning(
                "generation job %s was marked interrupted while it ran; its work is dropped", job_id
            )
            job.refresh_from_db()
            return job


def _run(job: GenerationJob) -> GenerationJob:
    try:
        profile, case_data = _inputs(job)
        rendered = _render(job, profile, case_data)
        # whole seconds: the zip's dates and the manifest's ISO time carry no fraction
        built_at = timezone.now().replace(microsecond=0)
        built = _bundle(job.case, rendered, profile, built_at) if job.bundle else None
    except ApplicationError as exc:
        return _fail(job, exc)
    except _JobInterrupted:
        raise
    except Exception as exc:  # a bug or a machine problem: logged in full, told plainly
        logger.exception("generation job %s failed", job.pk)
        return _fail(
            job,
            ApplicationError(
                f"Generation failed unexpectedly ({type(exc).__name__}); the error was logged.",
                code="documents.generation_error",
                message_zh=f"生成时发生意外错误（{type(exc).__name__}），已记录日志。",
            ),
        )
    return _finish(job, rendered, built)


def _finish(job: GenerationJob, rendered: _Rendered, built: Bundle | None) -> GenerationJob:
    case = job.case
    definitions = _definitions(case)
    order = {d.id: i for i, d in enumerate(definitions.documents)}
    created: list[str] = []
    try:
        stored = [(doc, _store(doc.docx, created), _store(doc.pdf, created)) for doc in rendered.documents]
        bundle_file = _store(built.data, created) if built is not None else None
        with transaction.atomic():
            finished = GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
                status=JobStatus.DONE, done_count=job.total, finished_at=timezone.now()
            )
            if not finished:  # marked interrupted meanwhile: nothing of this run is kept
                raise _JobInterrupted(job.pk)
            ids = [doc.id for doc, _, _ in stored]
            GeneratedDocument.objects.filter(case_id=case.pk, document_id__in=ids, current=True).update(
                current=False
            )
            GeneratedDocument.objects.bulk_create(
                [
                    GeneratedDocument(
                        job=job,
                        case=case,
                        document_id=doc.id,
                        material_id=doc.material or "",
                        position=order.get(doc.id, len(order)),
                        title_zh=doc.title_zh,
                        title_en=doc.title_en,
                        signed=definitions.get(doc.id).signed_by_legal_representative,
                        docx_name=docx[0],
                        docx_sha256=docx[1],
                        docx_size=docx[2],
                        pdf_name=pdf[0],
                        pdf_sha256=pdf[1],
                        pdf_size=pdf[2],
                    )
                    for doc, docx, pdf in stored
                ]
            )
            bundle = None
            if built is not None and bundle_file is not None:
                bundle = SubmissionBundle.objects.create(
                    job=job,
                    case=case,
                    storage_name=bundle_file[0],
                    sha256=bundle_file[1],
                    size=bundle_file[2],
                    manifest=built.manifest,
                    warnings=built.warnings,
                    built_at=datetime.fromisoformat(built.manifest["generated_at"]),
                )
            audit_record(
                agency=case.agency_id,
                actor=job.requested_by,
                action="documents.generated",
                case=case,
                target=job,
                before={"status": JobStatus.RUNNING},
                after={"status": JobStatus.DONE},
                data={
                    "job": job.pk,
                    "documents": {doc.id: {"pdf": pdf[1], "docx": docx[1]} for doc, docx, pdf in stored},
                    "skipped": [p.definition.id for p in rendered.skipped],
                    **({"agency_templates": rendered.templates} if rendered.templates else {}),
                },
            )
            if bundle is not None:
                audit_record(
                    agency=case.agency_id,
                    actor=job.requested_by,
                    action="documents.bundle_built",
                    case=case,
                    target=bundle,
                    after={"sha256": bundle.sha256, "size": bundle.size},
                    data={
                        "job": job.pk,
                        "files": len(bundle.manifest.get("files", [])),
                        "warnings": bundle.warnings,
                    },
                )
    except BaseException:
        for name in created:
            if not _referenced(name):
                storage.discard(name)
        raise
    job.refresh_from_db()
    return job


def generation_job_fail_to_start(*, job_id: int, error: Exception) -> None:
    """The task queue refused the job (broker unreachable): mark it failed rather than queued forever."""
    job = GenerationJob.objects.select_related("case").filter(pk=job_id, status=JobStatus.QUEUED).first()
    if job is None:
        return
    logger.error("generation job %s could not be queued: %s", job_id, error)
    _fail(
        job,
        ApplicationError(
            f"The task queue could not be reached ({type(error).__name__}); try again later.",
            code="documents.queue_unreachable",
            message_zh="无法连接任务队列，请稍后再试。",
        ),
    )


# -- downloads ------------------------------------------------------------------------------------------


def document_download_record(*, document: GeneratedDocument, fmt: str, actor: User) -> None:
    """Who downloaded which generated document, in the audit trail. The caller got ``document`` from
    :func:`licensedesk.web.documents.selectors.generated_document_for_download`."""
    case = document.case
    with transaction.atomic():
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="documents.file_downloaded",
            case=case,
            target=document,
            data={
                "document": document.document_id,
                "format": fmt,
                "sha256": document.pdf_sha256 if fmt == "pdf" else document.docx_sha256,
            },
        )


def bundle_download_record(*, bundle: SubmissionBundle, actor: User) -> None:
    case = bundle.case
    with transaction.atomic():
        audit_record(
            agency=case.agency_id,
            actor=actor,
            action="documents.bundle_downloaded",
            case=case,
            target=bundle,
            data={"sha256": bundle.sha256},
        )


# -- agency templates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TemplateFile:
    sha256: str
    data: bytes
    name: str  # the file name the agency uploaded, to name the template in a failure


def _agency_templates(case: Case) -> dict[str, _TemplateFile]:
    """The bytes of the case agency's active templates for the case's license, by document id (read
    from storage when the job runs, so a template replaced meanwhile is the one used)."""
    out: dict[str, _TemplateFile] = {}
    for template in AgencyTemplate.objects.filter(
        agency_id=case.agency_id, license_id=case.license_id, active=True
    ):
        with storage.open_stored(template.storage_name) as handle:
            out[template.document_id] = _TemplateFile(
                template.sha256, handle.read(), template.original_name or f"{template.document_id}.docx"
            )
    return out


def _check_stored_templates(
    templates: Mapping[str, _TemplateFile], definitions: LicenseDocuments, ids: Sequence[str]
) -> None:
    """Check each stored agency template the job will use, again, before anything is rendered.

    Why again: a template was checked when it was uploaded, but the check grows stricter (it once let
    templates run code on the server), and a row may have reached the table without the upload
    service. A template that fails is *not* used, and the job fails naming the template and the
    reason. Why fail rather than fall back to the shipped template: the agency chose its own wording
    (letterhead, clauses agreed with its clients or the authority); a set silently drafted from other
    templates would go out unnoticed and differ from what the agency signs off. Failing loudly tells
    the admin exactly which file to correct, or to deactivate it and use the shipped template."""
    for doc_id in ids:
        stored = templates.get(doc_id)
        if stored is None:
            continue
        try:
            check_template(stored.data, name=stored.name)
        except TemplateInvalid as exc:
            title = definitions.get(doc_id).title
            raise InvalidInput(
                f"The agency's template {stored.name} for {title.en} does not pass the template check and "
                f"was not used; upload a corrected version or deactivate it to use the shipped template. "
                f"{exc.message}",
                code="documents.agency_template_refused",
                message_zh=f"本机构的模板 {stored.name}（{title.zh}）未通过模板检查，未被使用；请上传修正后的"
                f"版本，或停用该模板以改用系统模板。{exc.message_zh}",
                details={**exc.details, "document": doc_id, "reason": exc.code},
            ) from None


def document_license(document_id: str, license_id: str | None = None) -> str:
    """The license whose document definitions hold ``document_id`` (checked against ``license_id`` when
    given); :class:`InvalidInput` ``documents.unknown_document`` otherwise, and
    ``documents.license_required`` when several licenses have such a document (an application letter)
    and no license is named: a template is never filed under a license guessed."""
    from licensedesk.web.documents.selectors import document_licenses

    candidates = [license_id] if license_id else document_licenses()
    found = []
    for candidate in candidates:
        try:
            load_definitions(candidate).get(document_id)
        except KeyError:
            continue
        found.append(candidate)
    if len(found) > 1:
        raise InvalidInput(
            f"Several licenses have the document {document_id}: {', '.join(found)}; name the license.",
            code="documents.license_required",
            message_zh=f"多种许可证都有文件 {document_id}（{'、'.join(found)}），请指明许可证。",
            details={"licenses": found},
        )
    if found:
        return found[0]
    raise InvalidInput(
        f"Unknown document: {document_id}",
        code="documents.unknown_document",
        message_zh=f"未知的文件：{document_id}",
        details={"documents": [document_id]},
    )


def _template_refused(exc: TemplateInvalid) -> InvalidInput:
    return InvalidInput(
        exc.message,
        code="documents.template_invalid",
        message_zh=exc.message_zh,
        details={**exc.details, "reason": exc.code},
    )


def agency_template_upload(
    *, agency: Agency, document_id: str, upload: IncomingFile, actor: User, license_id: str | None = None
) -> AgencyTemplate:
    """Make ``upload`` the agency's template for ``document_id`` (agency admins only). The file is
    checked as a DOCX from its bytes and every placeholder and filter in it must be one the documents
    know, with nothing outside the allow-list of harmless constructs (:func:`check_template`): a refusal
    names the file and what is unknown or forbidden, and stores nothing. It is checked again before
    every generation that uses it (:func:`_check_stored_templates`).
    The previous active template of that document becomes inactive."""
    ensure_admin(actor, agency.pk, action="upload document templates")
    license_id = document_license(document_id, license_id)
    stream = upload.stream()
    report: FileReport = inspect_file(
        stream, name=upload.name, allowed_kinds=("docx",), sha256=upload.sha256, size=upload.size
    )
    stream.seek(0)
    data = stream.read()
    try:
        check_template(data, name=report.name)
    except TemplateInvalid as exc:
        raise _template_refused(exc) from None
    created: list[str] = []
    try:
        name, sha, size = _store(data, created)
        with transaction.atomic():
            previous = list(
                AgencyTemplate.objects.select_for_update().filter(
                    agency_id=agency.pk, license_id=license_id, document_id=document_id, active=True
                )
            )
            AgencyTemplate.objects.filter(pk__in=[p.pk for p in previous]).update(active=False)
            template = AgencyTemplate.objects.create(
                agency=agency,
                license_id=license_id,
                document_id=document_id,
                storage_name=name,
                sha256=sha,
                size=size,
                original_name=report.name,
                uploaded_by=actor,
            )
            audit_record(
                agency=agency.pk,
                actor=actor,
                action="documents.template_uploaded",
                target=template,
                before={"sha256": previous[0].sha256} if previous else {},
                after={"sha256": sha, "active": True},
                data={"license": license_id, "document": document_id, "file": report.name, "size": size},
            )
    except BaseException:
        for stored in created:
            if not _referenced(stored):
                storage.discard(stored)
        raise
    return template


def agency_template_deactivate(*, template: AgencyTemplate, actor: User) -> AgencyTemplate:
    """Stop using the agency's template: the document is drafted from the shipped template again. The
    file and row are kept for the audit trail. Agency admins of the template's agency only."""
    ensure_admin(actor, template.agency_id, action="deactivate document templates")
    with transaction.atomic():
        changed = AgencyTemplate.objects.filter(pk=template.pk, active=True).update(active=False)
        if changed:
            audit_record(
                agency=template.agency_id,
                actor=actor,
                action="documents.template_deactivated",
                target=template,
                before={"active": True},
                after={"active": False},
                data={
                    "license": template.license_id,
                    "document": template.document_id,
                    "sha256": template.sha256,
                },
            )
    template.refresh_from_db()
    return template
